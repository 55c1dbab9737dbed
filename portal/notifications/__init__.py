"""Notifications: the worker beside the portal, the rules that turn record changes into notices, and each user's
notices (the bell and the notifications page draw them; this package is domain only, no Streamlit).

- `queue`: the procrastinate App on the portal's own database role, and the event task the outbox names;
- `rules`: the rule registry (each area's `portal/<area>/notify.py` declares its RULES), event -> notices, the
  periodic scans' runner, and `record` (each notice once);
- `audiences`: who a rule may tell, and the queries that find them;
- `inbox`: a user's notices: list (unread first), unread count, mark read, mark all read;
- `worker`: `python -m portal worker`, and the worker that `python -m portal run` starts beside the server.
"""
