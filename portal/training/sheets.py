"""The printable sign-in sheet (签到表): print-ready HTML with the seated retailers' names filled in."""
from __future__ import annotations

from html import escape

from sqlalchemy.orm import Session

from db.models import User
from db.training_models import TrainingSession
from portal.access.auth import CurrentUser, require
from portal.i18n import _, current_language, fmt_datetime
from portal.training.check_in_codes import check_in_link, qr_svg
from portal.training.labels import FORMAT_LABELS
from portal.training.rules import VIEW, TrainingInputError
from portal.training.signups import roster

STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 16mm; }
h1 { font-size: 20pt; text-align: center; margin: 0 0 4mm; }
p.meta { text-align: center; margin: 0 0 6mm; }
table { width: 100%; border-collapse: collapse; font-size: 11pt; }
th, td { border: 1px solid #000; padding: 2.5mm 2mm; text-align: left; }
td.sign { width: 32mm; } td.no { width: 10mm; text-align: right; }
td.qr { width: 24mm; padding: 1mm; } td.qr svg { width: 22mm; height: 22mm; display: block; }
tr { page-break-inside: avoid; } thead { display: table-header-group; }
@page { size: A4; margin: 12mm; }
"""


def sign_in_sheet_html(session: Session, *, actor: CurrentUser, session_id: int, check_in_base: str | None = None
                       ) -> str:
    """A self-contained HTML page to print: session details, then one row per seated retailer to sign; with
    `check_in_base` (the portal's address) each row also gets a QR code that opens its check-in."""
    require(actor, VIEW)
    ts = session.get(TrainingSession, session_id)
    if ts is None:
        raise TrainingInputError("session", _("That training session does not exist."))
    trainer = session.get(User, ts.trainer_id)
    seated = [r for r in roster(session, actor=actor, session_id=session_id) if r["state"] == "signed_up"]
    meta = " · ".join(escape(part) for part in (
        fmt_datetime(ts.starts_at), ts.place, _(FORMAT_LABELS[ts.format]),
        _("Trainer: {name}").format(name=trainer.name if trainer else "")))
    heads = (_("No."), _("Licence number"), _("Shop name"), _("Owner"), _("Signature"), _("Time"),
             *((_("Check-in code"),) if check_in_base else ()))

    def code(r: dict) -> str:
        return f"<td class=qr>{qr_svg(check_in_link(check_in_base, r, ts.id))}</td>" if check_in_base else ""

    rows = "\n".join(
        f"<tr><td class=no>{i}</td><td>{escape(r['license_no'])}</td><td>{escape(r['shop_name'])}</td>"
        f"<td>{escape(r['owner_name'])}</td><td class=sign></td><td class=sign></td>{code(r)}</tr>"
        for i, r in enumerate(seated, start=1))
    lang = "zh-CN" if current_language() == "zh_CN" else "en"
    return (f"<!doctype html><html lang={lang}><head><meta charset=utf-8>"
            f"<title>{escape(_('Sign-in sheet'))} – {escape(ts.title)}</title><style>{STYLE}</style></head><body>"
            f"<h1>{escape(ts.title)} {escape(_('Sign-in sheet'))}</h1><p class=meta>{meta}</p>"
            f"<table><thead><tr>{''.join(f'<th>{escape(h)}</th>' for h in heads)}</tr></thead>"
            f"<tbody>{rows}</tbody></table></body></html>")
