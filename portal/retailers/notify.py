"""What the retailers area gives the worker (portal/notifications/rules.py loads each area's `notify`): no
notification rules of its own, and one upkeep run before every scan — the rollups' window follows the center's day
there rather than in the day's first read of the directory."""
from __future__ import annotations

from portal.retailers.rollups import move_with_the_day

RULES = ()
UPKEEP = (move_with_the_day,)
