"""Reads of the procedure catalog for other apps."""

from __future__ import annotations

import functools

from tsunagu.procedures.loader import catalog
from tsunagu.procedures.models import ProcedureVersion
from tsunagu.procedures.schema import Department, Procedure
from tsunagu.procedures.services import definition_digest, procedure_version_pin


class ProcedureNotFound(Exception):
    pass


def procedure_get(*, code: str) -> Procedure:
    """The current definition of a procedure (for new applications)."""
    proc = catalog().procedures.get(code)
    if proc is None:
        raise ProcedureNotFound(code)
    return proc


def procedure_list() -> list[Procedure]:
    return catalog().ordered()


def department_get(*, code: str) -> Department | None:
    return catalog().departments.get(code)


@functools.lru_cache(maxsize=512)
def _pinned(code: str, version: int) -> Procedure:
    current = catalog().procedures.get(code)
    if current is not None and current.version != version:
        current = None
    row = ProcedureVersion.objects.filter(code=code, version=version).first()
    if row is None:
        if current is None:
            raise ProcedureNotFound(f"{code} v{version}")
        procedure_version_pin(procedure=current)
        return current
    if current is not None and row.sha256 == definition_digest(current):
        return current
    return Procedure.model_validate(row.definition)


def procedure_version_get(*, code: str, version: int) -> Procedure:
    """The definition exactly as pinned for ``version`` (old versions come from the DB).

    Example: ``procedure_version_get(code="ninshin-todokede", version=1)``.
    """
    return _pinned(code, version)
