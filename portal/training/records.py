"""Training records to hand out and to work from: the printable training record card (培训记录卡) of one retailer, and
the untrained retailers marked with the upcoming session each one already has a place at (on screen and in the XLSX
export), so nobody calls a retailer who is signed up already."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from sqlalchemy import Integer, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, aliased

from db.models import Retailer, User
from db.training_models import SignUp, TrainingSession
from portal.access.auth import CurrentUser, require
from portal.i18n import _, current_language, fmt_datetime
from portal.records.linked import shown_columns
from portal.training.reports import RetailerFilter, business_type_label, retailer_record_card, untrained_retailers
from portal.training.rules import VIEW, TrainingInputError, utcnow

EXPORT_LIMIT = 50_000  # rows of one untrained-list export (a district's worth; narrow the filters for more)
CARD_STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 16mm; }
h1 { font-size: 20pt; text-align: center; margin: 0 0 6mm; }
table { width: 100%; border-collapse: collapse; font-size: 10.5pt; margin: 0 0 6mm; }
th, td { border: 1px solid #000; padding: 2mm; text-align: left; vertical-align: top; }
table.who th { width: 22%; background: #f2f2f2; } thead th { background: #f2f2f2; }
tr { page-break-inside: avoid; } thead { display: table-header-group; } p.meta { font-size: 10pt; }
@page { size: A4; margin: 12mm; }
"""


@dataclass(frozen=True)
class UpcomingPlace:
    """The first session to come that a retailer has a place at (a seat, or on its waiting list)."""

    starts_at: datetime
    title: str
    waitlisted: bool

    def label(self) -> str:
        text = f"{fmt_datetime(self.starts_at)} · {self.title}"
        return text + f" ({_('Waiting list')})" if self.waitlisted else text


def upcoming_places(session: Session, *, actor: CurrentUser, retailer_ids: list[int],
                    now: datetime | None = None) -> dict[int, UpcomingPlace]:
    """For each of `retailer_ids` with one: the first session still to come (not cancelled) they are signed up for or
    waiting for; a seat comes before a waiting place at the same time."""
    require(actor, VIEW)
    if not retailer_ids:
        return {}
    rows = session.execute(
        select(SignUp.retailer_id, TrainingSession.starts_at, TrainingSession.title, SignUp.state)
        .join(TrainingSession, TrainingSession.id == SignUp.session_id)
        .where(SignUp.retailer_id == any_(bindparam("retailer_ids", retailer_ids, type_=ARRAY(Integer))),
               SignUp.state.in_(("signed_up", "waitlisted")), TrainingSession.starts_at > (now or utcnow()),
               TrainingSession.state.not_in(("cancelled", "held")))
        .order_by(SignUp.retailer_id, TrainingSession.starts_at, SignUp.state.desc()))
    places: dict[int, UpcomingPlace] = {}
    for retailer_id, starts_at, title, state in rows:
        places.setdefault(retailer_id, UpcomingPlace(starts_at, title, state == "waitlisted"))
    return places


def untrained_export(session: Session, *, actor: CurrentUser, year: int, flt: RetailerFilter,
                     now: datetime | None = None) -> list[dict]:
    """The untrained retailers the filters select (at most EXPORT_LIMIT), one row each with the upcoming session they
    already have a place at, for `summary_file` (translated headers)."""
    rows, _total = untrained_retailers(session, actor=actor, year=year, flt=flt, limit=EXPORT_LIMIT)
    places = upcoming_places(session, actor=actor, retailer_ids=[r["id"] for r in rows], now=now)
    return [{_("Licence number"): r["license_no"], _("Shop name"): r["shop_name"], _("Owner"): r["owner_name"],
             _("District"): r["district"], _("Business type"): business_type_label(r["business_type"]),
             _("Star rating"): r["star_rating"], _("Customer manager"): r["manager"] or "",
             _("Upcoming session"): places[r["id"]].label() if r["id"] in places else ""} for r in rows]


def record_card_html(session: Session, *, actor: CurrentUser, retailer_id: int) -> str:
    """The retailer's training record card as a self-contained HTML page to print: who they are, how many sessions
    they attended, and every session they signed up for with its date, attendance and evaluation."""
    require(actor, VIEW)
    manager = aliased(User)
    found = session.execute(select(Retailer, manager.name).outerjoin(manager, manager.id == Retailer.manager_id)
                            .where(Retailer.id == retailer_id)).first()
    if found is None:
        raise TrainingInputError("retailer", _("That retailer does not exist."))
    retailer, manager_name = found
    card = [shown_columns(row) for row in retailer_record_card(session, actor, retailer_id)]
    attended = session.scalar(select(func.count()).where(SignUp.retailer_id == retailer_id, SignUp.attended))
    who = ((_("Licence number"), retailer.license_no), (_("Shop name"), retailer.shop_name),
           (_("Owner"), retailer.owner_name), (_("District"), retailer.district),
           (_("Business type"), business_type_label(retailer.business_type)),
           (_("Customer manager"), manager_name or ""))
    heads = list(card[0]) if card else []
    body = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row.values()) + "</tr>" for row in card)
    sessions = (f"<table><thead><tr>{''.join(f'<th>{escape(h)}</th>' for h in heads)}</tr></thead>"
                f"<tbody>{body}</tbody></table>") if card else f"<p>{escape(_('No training sign-ups yet.'))}</p>"
    meta = _("Sessions attended: {n} · printed {time}").format(n=attended or 0, time=fmt_datetime(utcnow()))
    lang = "zh-CN" if current_language() == "zh_CN" else "en"
    title = _("Training record card")
    return (f"<!doctype html><html lang={lang}><head><meta charset=utf-8><title>{escape(title)} – "
            f"{escape(retailer.shop_name)}</title><style>{CARD_STYLE}</style></head><body><h1>{escape(title)}</h1>"
            "<table class=who>" + "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in who)
            + f"</table><p class=meta>{escape(meta)}</p>{sessions}</body></html>")
