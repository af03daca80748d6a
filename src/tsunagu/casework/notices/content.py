"""What a notice says: built from the case, its procedure and the ``DecisionSummary``.

The back office knows the applicant only from the hand-off payload (``Case.submitted``):
the addressee is read from the answers, from the fields the definition prefills from the
resident's profile (氏名, フリガナ, 住所), so that any procedure yields an addressee.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone, translation

from tsunagu.casework.corrections.selectors import case_current_answers
from tsunagu.casework.decisions import DecisionSummary, damage_level_label
from tsunagu.casework.models import Case
from tsunagu.casework.notices.render import xml_safe
from tsunagu.core.fieldtypes import get_type
from tsunagu.core.japanese import to_wareki
from tsunagu.procedures.schema import FieldDef, Procedure
from tsunagu.procedures.selectors import department_get, procedure_version_get

RISAI_CODE = "risai-shomeisho"


class NoticeKind:
    KETTEI = "kettei"  # 決定通知書
    KYAKKA = "kyakka"  # 却下通知書
    RISAI = "risai"  # 罹災証明書


KIND_TITLES = {
    NoticeKind.KETTEI: "決定通知書",
    NoticeKind.KYAKKA: "却下通知書",
    NoticeKind.RISAI: "罹災証明書",
}


def notice_kind(*, procedure_code: str, approved: bool) -> str:
    """The kind of document a decision yields.

    >>> notice_kind(procedure_code="risai-shomeisho", approved=True)
    'risai'
    """
    if not approved:
        return NoticeKind.KYAKKA
    return NoticeKind.RISAI if procedure_code == RISAI_CODE else NoticeKind.KETTEI


@dataclass(frozen=True)
class Person:
    name: str = ""
    # (part, reading in hiragana) pieces for furigana over the name.
    name_ruby: tuple[tuple[str, str], ...] = ()
    address: str = ""


@dataclass(frozen=True)
class NoticeContent:
    kind: str
    title: str
    document_number: str
    issued_on: dt.date
    city: str
    mayor_line: str
    department: str
    department_phone: str
    receipt_number: str
    procedure_name: str
    submitted_on: dt.date
    addressee: Person
    approved: bool
    reason: str
    amounts: tuple[tuple[str, int], ...] = ()
    approvers: tuple[tuple[str, str, str], ...] = ()  # (role label, name and 代決, date)
    damage_level: str = ""
    disaster: str = ""
    disaster_date: str = ""
    house_address: str = ""
    legal_basis: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def template(self) -> str:
        return f"notices/pdf/{self.kind}.xml"


def dates(day: dt.date) -> str:
    """A date as notices write it: 和暦 first, the Western date after.

    >>> dates(dt.date(2026, 11, 25))
    '令和8年11月25日（2026年11月25日）'
    """
    return f"{to_wareki(day)}（{day.year}年{day.month}月{day.day}日）"


def _hiragana(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def _field(proc: Procedure, ftype: str, prefill: str) -> FieldDef | None:
    fields = [f for f in proc.all_fields().values() if f.type == ftype]
    preferred = [f for f in fields if f.prefill == prefill]
    chosen = preferred or fields
    return chosen[0] if chosen else None


def _display(proc: Procedure, answers: dict[str, Any], spec: FieldDef | None) -> str:
    if spec is None or answers.get(spec.id) in (None, "", {}):
        return ""
    return xml_safe(get_type(spec.type).display(answers[spec.id], spec, "ja"))


def addressee_of(proc: Procedure, answers: dict[str, Any]) -> Person:
    """The applicant as the answers name them, with furigana from their フリガナ."""
    name_spec = _field(proc, "name", "profile.name")
    kana_spec = _field(proc, "kana_name", "profile.kana_name")
    name = answers.get(name_spec.id) if name_spec else None
    kana = answers.get(kana_spec.id) if kana_spec else None
    pieces: list[tuple[str, str]] = []
    if isinstance(name, dict):
        for part in ("sei", "mei"):
            base = xml_safe(str(name.get(part) or ""))
            reading = _hiragana(str(kana.get(part) or "")) if isinstance(kana, dict) else ""
            if base:
                if pieces:
                    pieces.append(("\u3000", ""))
                pieces.append((base, xml_safe(reading)))
    address = _display(proc, answers, _field(proc, "address", "profile.address"))
    return Person(name="".join(p for p, _ in pieces), name_ruby=tuple(pieces), address=address)


def _approver_rows(summary: DecisionSummary) -> tuple[tuple[str, str, str], ...]:
    from tsunagu.accounts.staff_models import StaffRole

    rows = []
    for a in summary.approvers:
        try:
            # The notice is a Japanese legal text whatever the issuing page's language.
            with translation.override("ja"):
                role = str(StaffRole(a.role).label)
        except ValueError:
            role = a.role
        if a.department:
            # 合議: name the consulted department, or it reads as the case's own 係長.
            other = department_get(code=a.department)
            role = f"{other.names.ja if other else a.department} {role}"
        who = a.name + (f"（{a.deputy_for} の代決）" if a.deputy_for else "")
        rows.append((role, xml_safe(who), to_wareki(timezone.localdate(a.acted_at))))
    return tuple(rows)


def notice_content(
    *, case: Case, summary: DecisionSummary, document_number: str, issued_on: dt.date
) -> NoticeContent:
    """Everything a notice of ``case`` prints (no database write)."""
    proc = procedure_version_get(code=case.procedure_code, version=case.procedure_version)
    # The case as it stands: after the latest received correction (補正), else as submitted.
    answers: dict[str, Any] = case_current_answers(case=case)
    city = settings.TSUNAGU_CITY
    dept = department_get(code=case.department)
    kind = notice_kind(procedure_code=case.procedure_code, approved=summary.approved)
    specs = proc.all_fields()
    disaster = _display(proc, answers, specs.get("disaster_name"))
    mayor = str(city.get("mayor") or "")
    return NoticeContent(
        kind=kind,
        title=KIND_TITLES[kind],
        document_number=document_number,
        issued_on=issued_on,
        city=str(city["name_ja"]),
        mayor_line=f"{city['name_ja']}長" + (f"\u3000{mayor}" if mayor else ""),
        department=dept.names.ja if dept else "",
        department_phone=(dept.phone or "") if dept else "",
        receipt_number=case.receipt_number,
        procedure_name=proc.names.ja,
        submitted_on=timezone.localdate(case.submitted_at),
        addressee=addressee_of(proc, answers),
        approved=summary.approved,
        reason=xml_safe(summary.reason),
        amounts=tuple((xml_safe(k), v) for k, v in summary.amounts.items()),
        approvers=_approver_rows(summary),
        damage_level=damage_level_label(summary.damage_level) if summary.damage_level else "",
        disaster=disaster,
        disaster_date=_display(proc, answers, specs.get("disaster_date")),
        house_address=_display(proc, answers, specs.get("house_address")),
        legal_basis=tuple(proc.legal_basis),
    )


def notice_pdf(content: NoticeContent, *, preview: bool = False) -> bytes:
    """The unsigned PDF of a notice (``preview`` marks every page 見本（未発行）).

    >>> notice_pdf(content)[:5]  # doctest: +SKIP
    b'%PDF-'
    """
    from tsunagu.casework.decisions import DAMAGE_LEVELS
    from tsunagu.casework.notices.render import markup_render, pdf_from_markup

    chosen = content.damage_level
    context = {
        "n": content,
        "issued": dates(content.issued_on),
        "submitted": dates(content.submitted_on),
        "amounts": [(label, f"{yen:,}円") for label, yen in content.amounts],
        "levels": [(code, label, label == chosen) for code, label in DAMAGE_LEVELS],
    }
    markup = markup_render(content.template, context)
    return pdf_from_markup(
        markup,
        title=f"{content.title}（{content.receipt_number}）",
        footer=f"{content.city}　{content.document_number}",
        preview=preview,
    )
