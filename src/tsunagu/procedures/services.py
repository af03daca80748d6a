"""Writes of the procedure catalog: pinning definition versions."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from tsunagu.procedures.loader import Catalog, catalog
from tsunagu.procedures.models import ProcedureVersion
from tsunagu.procedures.schema import Procedure, dump_jsonable


class VersionConflict(Exception):
    """A definition changed without its version being raised."""


def definition_digest(procedure: Procedure) -> str:
    """SHA-256 of the definition's canonical JSON."""
    return _digest(dump_jsonable(procedure))


def _digest(data: dict[str, object]) -> str:
    blob = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SyncResult:
    added: list[str]
    unchanged: list[str]


def procedure_version_pin(*, procedure: Procedure) -> ProcedureVersion:
    """Store this definition version (idempotent); refuse a changed body under an old version.

    Example: ``procedure_version_pin(procedure=catalog().procedures["ninshin-todokede"])``.
    """
    data = dump_jsonable(procedure)
    digest = _digest(data)
    row = ProcedureVersion.objects.filter(code=procedure.code, version=procedure.version).first()
    if row is None:
        try:
            with transaction.atomic():
                row = ProcedureVersion.objects.create(
                    code=procedure.code, version=procedure.version, definition=data, sha256=digest
                )
        except IntegrityError:  # pinned concurrently by another process
            row = ProcedureVersion.objects.get(code=procedure.code, version=procedure.version)
    if row.sha256 != digest:
        raise VersionConflict(
            f"{procedure.code}: 定義の内容が変わっていますが version が {procedure.version} の"
            "ままです。version を上げてください（過去の申請は保存された版で扱われます）。"
        )
    return row


def procedure_catalog_sync(*, source: Catalog | None = None) -> SyncResult:
    """Pin every definition of the catalog."""
    source = source or catalog()
    added: list[str] = []
    unchanged: list[str] = []
    for proc in source.ordered():
        existed = ProcedureVersion.objects.filter(code=proc.code, version=proc.version).exists()
        procedure_version_pin(procedure=proc)
        (unchanged if existed else added).append(f"{proc.code} v{proc.version}")
    return SyncResult(added=added, unchanged=unchanged)
