"""Writes of notices: issue the signed notice of a decided case and deliver it.

``notice_issue`` renders the notice from its template, signs it with the city's e-seal
(PAdES), keeps it, delivers a copy to the resident's page through the front office's
``application_document_add`` (which mails the resident after commit, in their language),
moves the case to 通知済 and records the audit event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from tsunagu.applications.documents import application_document_add
from tsunagu.audit.services import audit_record
from tsunagu.casework.decisions import DecisionSummary
from tsunagu.casework.models import Case, CaseStatus
from tsunagu.casework.notices.content import NoticeContent, notice_content, notice_pdf
from tsunagu.casework.notices.models import Notice, NoticeSequence
from tsunagu.casework.notices.signing import eseal_current, pdf_sign
from tsunagu.casework.services import case_mark_notified
from tsunagu.core.japanese import era_of

ISSUABLE_STATUSES: tuple[str, ...] = (CaseStatus.APPROVED, CaseStatus.REJECTED)


class NoticeRefused(Exception):
    """A notice cannot be issued; ``reason`` is shown to staff as is."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _approvals_provider() -> Callable[..., object] | None:
    """``approvals.selectors.decision_summary``, looked up at run time (the approvals part
    provides it; this part works before it lands)."""
    try:
        approvals = importlib.import_module("tsunagu.casework.approvals.selectors")
    except ModuleNotFoundError:
        return None
    provider: Callable[..., object] | None = getattr(approvals, "decision_summary", None)
    return provider


def decision_summary_of(*, case: Case) -> DecisionSummary:
    """The decision of ``case`` from the approvals part, or, while that part does not
    provide one, from the case's own decision fields."""
    provider = _approvals_provider()
    if provider is not None:
        summary = provider(case=case)
        if isinstance(summary, DecisionSummary):
            return summary
    if case.status not in ISSUABLE_STATUSES and case.decided_at is None:
        raise NoticeRefused("この案件はまだ決定されていません。")
    return DecisionSummary(
        approved=case.status != CaseStatus.REJECTED,
        reason=case.decision_reason,
        decided_at=case.decided_at or timezone.now(),
    )


def _document_number(*, today: dt.date) -> str:
    """The next document number of the year, e.g. HN8発第12号 (令和8年の12番目)."""
    try:
        with transaction.atomic():
            NoticeSequence.objects.get_or_create(year=today.year)
    except IntegrityError:
        pass  # created a moment ago by a concurrent first notice of the year
    with transaction.atomic():
        seq = NoticeSequence.objects.select_for_update().get(year=today.year)
        seq.value += 1
        seq.save(update_fields=["value"])
        number = seq.value
    era_year = era_of(today).year_of(today)
    return f"{settings.TSUNAGU_CITY['receipt_prefix']}{era_year}発第{number}号"


def notice_preview(*, case: Case) -> bytes:
    """The notice as it would be issued now, unsigned and marked 見本 (no write)."""
    summary = decision_summary_of(case=case)
    content = notice_content(
        case=case,
        summary=summary,
        document_number="（発行時に採番）",
        issued_on=timezone.localdate(),
    )
    return notice_pdf(content, preview=True)


def notice_issue(*, case: Case, actor: User | None) -> Notice:
    """Issue, sign, keep and deliver the notice of a decided case (承認 or 却下).

    Raises ``NoticeRefused`` when the case is not decided or already has its notice.

    >>> notice_issue(case=case, actor=request.user)  # doctest: +SKIP
    <Notice: HN8発第1号 決定通知書>
    """
    case.refresh_from_db()
    if case.status not in ISSUABLE_STATUSES:
        raise NoticeRefused("決定（承認または却下）された案件にだけ通知書を発行できます。")
    if Notice.objects.filter(case=case).exists():
        raise NoticeRefused("この案件の通知書はすでに発行されています。")
    summary = decision_summary_of(case=case)
    # Numbered in its own short transaction: rendering and signing (a few hundred
    # milliseconds) stay outside the write lock. A failed signing leaves a gap in the
    # numbers, as a spoiled paper form would.
    number = _document_number(today=timezone.localdate())
    content: NoticeContent = notice_content(
        case=case, summary=summary, document_number=number, issued_on=timezone.localdate()
    )
    signed = pdf_sign(notice_pdf(content), reason=content.title, location=str(content.city))
    seal = eseal_current()
    now = timezone.now()
    filename = f"{content.title}_{case.receipt_number}.pdf"
    try:
        with transaction.atomic():
            locked = Case.objects.select_for_update().get(pk=case.pk)
            if locked.status not in ISSUABLE_STATUSES:
                raise NoticeRefused("決定（承認または却下）された案件にだけ通知書を発行できます。")
            notice = Notice(
                case=locked,
                kind=content.kind,
                title=content.title,
                document_number=number,
                size=len(signed),
                sha256=hashlib.sha256(signed).hexdigest(),
                signer=seal.subject[:400],
                demo_seal=seal.demo,
                issued_at=now,
                issued_by=actor,
            )
            notice.file.save(filename, ContentFile(signed), save=False)
            notice.save()
            document = application_document_add(
                application_id=locked.application_id,
                kind=content.kind,
                title=content.title,
                filename=filename,
                content=signed,
                issued_at=now,
            )
            notice.document_id = document.pk
            notice.save(update_fields=["document_id"])
            case_mark_notified(case=locked, actor=actor, reason=f"{content.title} {number}")
            audit_record(
                action="notice.issue",
                actor=actor,
                obj_type="case",
                obj_id=locked.pk,
                summary={
                    "notice": str(notice.pk),
                    "kind": content.kind,
                    "document_number": number,
                    "sha256": notice.sha256,
                },
            )
    except IntegrityError as exc:
        # Another member of staff issued it a moment ago (notice_one_per_case).
        raise NoticeRefused("この案件の通知書はすでに発行されています。") from exc
    case.status = CaseStatus.NOTIFIED
    return notice


def notice_read_record(*, actor: User | AnonymousUser, case: Case, what: str) -> None:
    """Audit a member of staff's look at a notice (it names the applicant)."""
    audit_record(
        action=f"notice.{what}",
        actor=actor if isinstance(actor, User) else None,
        obj_type="case",
        obj_id=case.pk,
        summary={"receipt_number": case.receipt_number},
    )
