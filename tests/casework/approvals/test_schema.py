"""合議 in procedure definitions: ``ApprovalStep.consult`` and the loader's checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from tests.casework.approvals.conftest import FIXTURES
from tsunagu.procedures.loader import CatalogError, catalog, load_catalog
from tsunagu.procedures.schema import ApprovalStep, dump_jsonable


@pytest.mark.parametrize("consult", [[], ["kikikanri", "kikikanri"], ["Bad-Code"]])
def test_consult_needs_distinct_department_codes(consult: list[str]) -> None:
    with pytest.raises(ValidationError):
        ApprovalStep.model_validate({"role": "chief", "consult": consult})


def test_a_step_without_consult_dumps_as_before() -> None:
    # Definitions pinned before 合議 existed keep their digest.
    proc = load_catalog(FIXTURES).procedures["test-kessai"]
    assert all("consult" not in step for step in dump_jsonable(proc)["approval_route"])


@pytest.mark.parametrize(
    ("code", "problem"), [("nowhere", "未登録の課"), ("zeimu", "手続きを担当する課")]
)
def test_the_loader_checks_consulted_departments(tmp_path: Path, code: str, problem: str) -> None:
    for f in FIXTURES.glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    path = tmp_path / "risai-shomeisho.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("[kikikanri, shimin]", f"[kikikanri, {code}]"),
        encoding="utf-8",
    )
    with pytest.raises(CatalogError) as err:
        load_catalog(tmp_path)
    [found] = err.value.problems
    assert found.path == "approval_route.1.consult" and problem in found.problem


def test_the_catalogs_risai_shomeisho_consults_the_disaster_department() -> None:
    proc = catalog().procedures["risai-shomeisho"]
    assert proc.version == 2
    assert [s.consult for s in proc.approval_route] == [None, ["kikikanri"], None]
