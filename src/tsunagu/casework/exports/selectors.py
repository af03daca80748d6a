"""Reads of the exports: which procedures a member of staff may export, what is pending,
past runs."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from tsunagu.accounts.staff_models import StaffRole
from tsunagu.casework.decisions import DecisionSummary
from tsunagu.casework.exports.models import ExportedCase, ExportRun
from tsunagu.casework.exports.targets import ExportTarget, Registry, registry
from tsunagu.casework.models import Case, CaseStatus
from tsunagu.procedures.loader import catalog
from tsunagu.procedures.schema import Procedure

if TYPE_CHECKING:
    from tsunagu.accounts.staff_models import StaffProfile

# Statuses of a decided case (the decision itself is read from approvals).
EXPORTABLE_STATUSES: tuple[str, ...] = (
    CaseStatus.APPROVED,
    CaseStatus.REJECTED,
    CaseStatus.NOTIFIED,
    CaseStatus.COMPLETED,
)


def decision_for(*, case: Case) -> DecisionSummary | None:
    """The final decision of ``case`` through approvals' contract, or None if it has none.

    Imported when called: approvals is a sibling part and may not be installed everywhere
    the layout is used.
    """
    from tsunagu.casework.approvals.selectors import decision_summary

    return decision_summary(case=case)


def export_procedures_for_staff(*, staff: StaffProfile) -> list[Procedure]:
    """The procedures whose cases ``staff`` may export: their department's (all for admin)."""
    procs = catalog().ordered()
    if staff.role == StaffRole.ADMIN:
        return procs
    return [p for p in procs if p.department == staff.department]


def export_procedure_get_for_staff(*, staff: StaffProfile, procedure_code: str) -> Procedure:
    """One procedure ``staff`` may export; the same 404 whether unknown or another's."""
    for proc in export_procedures_for_staff(staff=staff):
        if proc.code == procedure_code:
            return proc
    raise Http404


def export_targets_for_procedure(
    *, procedure_code: str, targets: Registry = registry
) -> list[ExportTarget]:
    return [t for t in targets.available() if t.accepts(procedure_code)]


def export_pending_cases(*, target_id: str, procedure_code: str) -> QuerySet[Case]:
    """Decided cases of the procedure not yet exported to the target, oldest decision first
    (whether each was approved is read per case by the service)."""
    done = ExportedCase.objects.filter(target=target_id, reexport=False).values("case_id")
    return (
        Case.objects.filter(procedure_code=procedure_code, status__in=EXPORTABLE_STATUSES)
        .exclude(pk__in=done)
        .order_by("decided_at", "submitted_at", "receipt_number")
    )


def export_run_list_for_staff(*, staff: StaffProfile, limit: int = 50) -> QuerySet[ExportRun]:
    """The latest runs of the procedures ``staff`` may export."""
    codes = [p.code for p in export_procedures_for_staff(staff=staff)]
    return ExportRun.objects.filter(procedure_code__in=codes).select_related("actor")[:limit]


def export_run_get_for_staff(*, staff: StaffProfile, run_id: uuid.UUID | str) -> ExportRun:
    """One run of a procedure ``staff`` may export; the same 404 whether missing or not."""
    codes = [p.code for p in export_procedures_for_staff(staff=staff)]
    try:
        return ExportRun.objects.select_related("actor").get(pk=run_id, procedure_code__in=codes)
    except (ExportRun.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404 from exc


def export_run_cases(*, run: ExportRun) -> QuerySet[Case]:
    """The cases a run carried, in receipt-number order."""
    return Case.objects.filter(pk__in=run.cases.values("case_id")).order_by("receipt_number")


def export_case_history(*, case: Case) -> QuerySet[ExportedCase]:
    """Every export of one case, newest first (for the case page)."""
    return ExportedCase.objects.filter(case=case).select_related("run").order_by("-run__created_at")
