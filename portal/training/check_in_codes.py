"""Check-in codes: a QR code per seated retailer on the printed sign-in sheet that opens the check-in page at that
sign-up (`/training_check_in?session=…&signup=…&t=…`), so staff at the door scan instead of searching.

The token ties the code to one sign-up — its id, session, retailer and the moment it was made — so an edited or
typed link, or the code of a sign-up since cancelled and made again, is refused. It is a check on the printed
sheet, not a credential: the page still needs a signed-in coordinator, and checking in is still their tap."""
from __future__ import annotations

import hashlib
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Retailer
from db.training_models import SignUp
from portal.access.auth import CurrentUser, require
from portal.i18n import _
from portal.inputs import parse_int
from portal.training.rules import MANAGE, TrainingInputError

CHECK_IN_PATH = "training_check_in"


def check_in_token(sign_up_id: int, session_id: int, retailer_id: int, signed_up_at: datetime) -> str:
    """16 hex characters derived from the sign-up (the same row always gives the same token)."""
    text = f"{sign_up_id}:{session_id}:{retailer_id}:{signed_up_at.isoformat()}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def check_in_link(base_url: str, row: dict, session_id: int) -> str:
    """The check-in page's address for one roster row (`base_url`: the portal's address, e.g. http://host:8501)."""
    token = check_in_token(row["id"], session_id, row["retailer_id"], row["signed_up_at"])
    query = urlencode({"session": session_id, "signup": row["id"], "t": token})
    return f"{base_url.rstrip('/')}/{CHECK_IN_PATH}?{query}"


def check_in_base() -> str:
    """The portal's address the printed codes link to: the PORTAL_BASE_URL setting (never the address of the page
    that printed the sheet, which names that page)."""
    from portal.config import get_settings

    return get_settings().base_url


def qr_svg(link: str) -> str:
    """The link as an inline SVG QR code (medium error correction: survives a crease or a smudge on paper). It has
    a viewBox and no fixed size, so it scales to whatever box the sheet gives it; the quiet zone is the 4 modules
    scanners need, on white."""
    import segno

    return segno.make(link, error="m").svg_inline(scale=1, border=4, omitsize=True, light="#fff")


def scanned_sign_up(session: Session, *, actor: CurrentUser, sign_up_id: str, token: str) -> dict:
    """The seated sign-up a scanned code names (id, version, session, shop, owner, licence, attended); refused
    when the code does not match a sign-up or the retailer no longer holds a seat."""
    require(actor, MANAGE)
    wrong = TrainingInputError("signup", _("This check-in code is not valid: check the retailer in from the list."))
    if (wanted := parse_int(sign_up_id)) is None:
        raise wrong
    row = session.execute(
        select(SignUp.id, SignUp.version, SignUp.session_id, SignUp.retailer_id, SignUp.signed_up_at, SignUp.state,
               SignUp.attended, Retailer.shop_name, Retailer.owner_name, Retailer.license_no)
        .join(Retailer, Retailer.id == SignUp.retailer_id).where(SignUp.id == wanted)).mappings().first()
    if row is None or check_in_token(row["id"], row["session_id"], row["retailer_id"], row["signed_up_at"]) != token:
        raise wrong
    if row["state"] != "signed_up":
        raise TrainingInputError("signup", _("{shop} has no seat at this session (cancelled or still on the waiting "
                                             "list).").format(shop=row["shop_name"]))
    return dict(row)
