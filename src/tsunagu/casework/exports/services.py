"""Writes of the exports: produce a file of decided cases for a core system, once per case
and target; re-export deliberately; hand a stored file out again.

Every run and every download is an audit event. A run that decrypts 個人番号 says how many
in its event; only targets configured for it receive them (``targets``).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest
from django.utils import timezone

from tsunagu.applications.export_selectors import (
    AttachmentIntegrityError,
    attachment_content_for_export,
)
from tsunagu.audit.services import audit_record
from tsunagu.casework.exports import layout, selectors
from tsunagu.casework.exports.encode import (
    EncodingProblem,
    cp932_problems,
    csv_bytes,
    json_bytes,
    substitute,
    zip_bytes,
)
from tsunagu.casework.exports.models import ExportedCase, ExportEncoding, ExportFormat, ExportRun
from tsunagu.casework.exports.storage import file_open, file_seal
from tsunagu.casework.exports.targets import ExportTarget, Registry, registry
from tsunagu.casework.models import Case
from tsunagu.core import crypto
from tsunagu.procedures.schema import Procedure
from tsunagu.procedures.selectors import procedure_version_get

HELD = "held"
SUBSTITUTED = "substituted"


class ExportRefused(Exception):
    """An export that cannot be made; ``reason`` is shown to staff as is (Japanese)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class ExportPlan:
    """What a run would carry (also the preview shown before exporting)."""

    target: ExportTarget
    procedure_code: str
    cases: list[tuple[Case, Any]] = field(default_factory=list)  # (case, DecisionSummary)
    undecided: int = 0  # decided status but no decision from approvals yet
    rejected_skipped: int = 0  # 却下 for a target that takes approvals only
    problems: list[EncodingProblem] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.cases)

    @property
    def problem_receipts(self) -> list[str]:
        return sorted({p.receipt_number for p in self.problems})


def _target(target_id: str, procedure_code: str, targets: Registry) -> ExportTarget:
    target = targets.get(target_id)
    if target is None:
        raise ExportRefused("この連携先は使えません。設定をご確認ください。")
    if not target.accepts(procedure_code):
        raise ExportRefused(f"{target.label}はこの手続き（{procedure_code}）を受け付けません。")
    return target


def _plan(target: ExportTarget, procedure_code: str, cases: Sequence[Case]) -> ExportPlan:
    plan = ExportPlan(target=target, procedure_code=procedure_code)
    for case in cases:
        summary = selectors.decision_for(case=case)
        if summary is None:
            plan.undecided += 1
        elif not summary.approved and not target.include_rejected:
            plan.rejected_skipped += 1
        else:
            plan.cases.append((case, summary))
    return plan


def _procs(plan: ExportPlan) -> dict[int, Procedure]:
    versions = sorted({c.procedure_version for c, _s in plan.cases})
    return {v: procedure_version_get(code=plan.procedure_code, version=v) for v in versions}


def _rows(plan: ExportPlan, *, my_number: bool) -> layout.Document:
    procs = _procs(plan)

    def reveal(token: str) -> str:
        return crypto.my_number_reveal(token)

    rows: list[layout.Row] = []
    revealed = 0
    for case, summary in plan.cases:
        try:
            row, n = layout.case_row(
                case=case,
                summary=summary,
                proc=procs[case.procedure_version],
                reveal=reveal if my_number else None,
            )
        except crypto.CryptoError as exc:
            raise ExportRefused(
                f"{case.receipt_number}: 個人番号を復号できません。鍵の設定をご確認ください。"
            ) from exc
        rows.append(row)
        revealed += n
    columns = layout.document_columns(procs=procs.values(), rows=rows, my_number=my_number)
    return layout.Document(columns=columns, rows=rows, my_number_count=revealed)


def export_preview(
    *,
    target_id: str,
    procedure_code: str,
    encoding: str = ExportEncoding.UTF8_BOM,
    targets: Registry = registry,
) -> ExportPlan:
    """What ``export_run`` would export now, without exporting (nothing is decrypted: the
    個人番号 is digits and never trips the encoding check).

    >>> export_preview(target_id="jidou-teate-kikan", procedure_code="jidou-teate-nintei").count  # doctest: +SKIP
    12
    """
    target = _target(target_id, procedure_code, targets)
    pending = selectors.export_pending_cases(target_id=target.id, procedure_code=procedure_code)
    plan = _plan(target, procedure_code, list(pending))
    if encoding == ExportEncoding.CP932 and plan.cases:
        doc = _rows(plan, my_number=False)
        for row in doc.rows:
            plan.problems += cp932_problems(row.receipt_number, row.cells, doc.columns)
    return plan


def _file_bytes(doc: layout.Document, *, fmt: str, encoding: str, header: dict[str, Any]) -> bytes:
    payload = {**header, "columns": doc.columns, "cases": [r.record for r in doc.rows]}
    if fmt == ExportFormat.JSON:
        return json_bytes(payload)
    csv_data = csv_bytes(doc.columns, [r.cells for r in doc.rows], encoding)
    if fmt == ExportFormat.CSV:
        return csv_data
    entries: list[tuple[str, bytes]] = [
        ("cases.csv", csv_data),
        ("cases.json", json_bytes(payload)),
    ]
    for row in doc.rows:
        for ref in row.files:
            try:
                data = attachment_content_for_export(
                    application_id=ref.application_id,
                    attachment_id=ref.attachment_id,
                    source=ref.source,
                )
            except (Http404, AttachmentIntegrityError, OSError) as exc:
                raise ExportRefused(
                    f"{row.receipt_number}: 添付ファイル「{ref.name}」を読み出せないか、"
                    "内容が受付時と一致しません。"
                ) from exc
            entries.append((ref.path, data))
    return zip_bytes(entries)


def _produce(
    *,
    plan: ExportPlan,
    fmt: str,
    encoding: str,
    actor: User | None,
    request: HttpRequest | None,
    allow_substitute: bool,
    reexport_of: ExportRun | None = None,
    reexport: bool = False,
    reason: str = "",
) -> ExportRun:
    if fmt not in ExportFormat.values:
        raise ExportRefused("出力形式が正しくありません。")
    if encoding not in (ExportEncoding.UTF8_BOM, ExportEncoding.CP932):
        raise ExportRefused("文字コードが正しくありません。")
    if not plan.cases:
        raise ExportRefused("出力する案件はありません。")
    my_number = plan.target.receives_my_number()
    doc = _rows(plan, my_number=my_number)
    problems: list[dict[str, str]] = []
    if encoding == ExportEncoding.CP932 and fmt != ExportFormat.JSON:
        kept: list[layout.Row] = []
        for row in doc.rows:
            found = cp932_problems(row.receipt_number, row.cells, doc.columns)
            if not found:
                kept.append(row)
            elif allow_substitute:
                problems += [p.as_dict(SUBSTITUTED) for p in found]
                row.cells = {k: substitute(v, encoding) for k, v in row.cells.items()}
                kept.append(row)
            else:
                # Held back: the case stays pending for this target until staff decide.
                problems += [p.as_dict(HELD) for p in found]
        doc.rows = kept
        if not kept:
            raise ExportRefused(
                "Shift_JIS で表せない文字があるため、出力できる案件がありません。"
                "「表せない文字を〓に置き換えて出力する」を選ぶか、UTF-8 で出力してください。"
            )
    stored_encoding = ExportEncoding.UTF8 if fmt == ExportFormat.JSON else encoding
    now = timezone.now()
    header: dict[str, Any] = {
        "format": "tsunagu.export",
        "layout_version": layout.LAYOUT_VERSION,
        "target": plan.target.id,
        "procedure_code": plan.procedure_code,
        "exported_at": timezone.localtime(now).isoformat(timespec="seconds"),
        "count": len(doc.rows),
    }
    data = _file_bytes(doc, fmt=fmt, encoding=encoding, header=header)
    digest = hashlib.sha256(data).hexdigest()
    run_id = uuid.uuid4()
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M%S")
    filename = f"{plan.target.id}_{plan.procedure_code}_{stamp}.{fmt}"
    stored_name = f"{run_id}.bin"
    try:
        with transaction.atomic():
            run = ExportRun(
                id=run_id,
                target=plan.target.id,
                procedure_code=plan.procedure_code,
                format=fmt,
                encoding=stored_encoding,
                actor=actor,
                created_at=now,
                case_count=len(doc.rows),
                sha256=digest,
                size=len(data),
                filename=filename,
                my_number_included=doc.my_number_count > 0,
                reexport=reexport,
                reexport_of=reexport_of,
                reason=reason,
                encoding_problems=problems,
            )
            run.file.save(stored_name, ContentFile(file_seal(data, name=str(run_id))), save=False)
            run.save()
            ExportedCase.objects.bulk_create(
                ExportedCase(run=run, case_id=row.case_id, target=plan.target.id, reexport=reexport)
                for row in doc.rows
            )
            audit_record(
                action="export.reexport" if reexport else "export.run",
                actor=actor,
                request=request,
                obj_type="export_run",
                obj_id=run.pk,
                summary={
                    "target": plan.target.id,
                    "procedure": plan.procedure_code,
                    "format": fmt,
                    "encoding": stored_encoding,
                    "cases": len(doc.rows),
                    "sha256": digest,
                    "my_number": doc.my_number_count,
                    "held": sum(1 for p in problems if p["action"] == HELD),
                    "substituted": sum(1 for p in problems if p["action"] == SUBSTITUTED),
                    "reexport_of": str(reexport_of.pk) if reexport_of else "",
                },
            )
    except IntegrityError as exc:
        # Another run exported some of these cases meanwhile: nothing was recorded, and
        # the file written for this run goes too.
        if run.file.name:
            run.file.delete(save=False)
        raise ExportRefused(
            "同じ案件が同時に出力されました。もう一度、件数を確認してから出力してください。"
        ) from exc
    return run


def export_run(
    *,
    target_id: str,
    procedure_code: str,
    fmt: str = ExportFormat.CSV,
    encoding: str = ExportEncoding.UTF8_BOM,
    actor: User | None,
    request: HttpRequest | None = None,
    allow_substitute: bool = False,
    targets: Registry = registry,
) -> ExportRun:
    """Export every decided case of ``procedure_code`` not yet sent to ``target_id``.

    Each case is sent to a target once: after this run they are no longer pending for
    it. With CP932, a row holding a character CP932 lacks is held back (it stays pending)
    unless ``allow_substitute``, which writes 〓 instead; either way the run records
    each such character. Raises ``ExportRefused`` when there is nothing to export.

    >>> run = export_run(target_id="jidou-teate-kikan", procedure_code="jidou-teate-nintei",
    ...                  fmt="csv", encoding="cp932", actor=None)  # doctest: +SKIP
    """
    target = _target(target_id, procedure_code, targets)
    pending = selectors.export_pending_cases(target_id=target.id, procedure_code=procedure_code)
    plan = _plan(target, procedure_code, list(pending))
    return _produce(
        plan=plan,
        fmt=fmt,
        encoding=encoding,
        actor=actor,
        request=request,
        allow_substitute=allow_substitute,
    )


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ExportRefused("再出力する理由を入力してください。")
    if len(reason) > 400:
        raise ExportRefused("再出力する理由は400文字以内で入力してください。")
    return reason


def export_rerun(
    *,
    run: ExportRun,
    actor: User | None,
    reason: str,
    case: Case | None = None,
    fmt: str | None = None,
    encoding: str | None = None,
    request: HttpRequest | None = None,
    allow_substitute: bool = False,
    targets: Registry = registry,
) -> ExportRun:
    """Deliberately export again the cases of ``run`` (or only ``case``, one of them) to
    the same target, with today's data; recorded as a re-export with its reason."""
    reason = _reason(reason)
    target = _target(run.target, run.procedure_code, targets)
    cases = list(selectors.export_run_cases(run=run))
    if case is not None:
        cases = [c for c in cases if c.pk == case.pk]
        if not cases:
            raise ExportRefused("この案件はこの出力に含まれていません。")
    plan = _plan(target, run.procedure_code, cases)
    fmt = fmt or run.format
    if encoding is None:
        encoding = ExportEncoding.UTF8_BOM if run.encoding == ExportEncoding.UTF8 else run.encoding
    return _produce(
        plan=plan,
        fmt=fmt,
        encoding=encoding,
        actor=actor,
        request=request,
        allow_substitute=allow_substitute,
        reexport=True,
        reexport_of=run,
        reason=reason,
    )


def export_file(*, run: ExportRun, actor: User | None, request: HttpRequest | None = None) -> bytes:
    """The file of a past run as delivered (decrypted and checked against its SHA-256);
    each download is an audit event."""
    with run.file.open("rb") as fh:
        data = file_open(fh.read(), name=str(run.pk))
    if hashlib.sha256(data).hexdigest() != run.sha256:
        raise ExportRefused(
            "保存されている出力ファイルが記録と一致しません。管理者に連絡してください。"
        )
    audit_record(
        action="export.download",
        actor=actor,
        request=request,
        obj_type="export_run",
        obj_id=run.pk,
        summary={"target": run.target, "procedure": run.procedure_code, "sha256": run.sha256},
    )
    return data
