"""``tsunagu procedures check|list|sync|funnel`` and the pinned versions."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tsunagu.procedures.loader import CatalogError, catalog, load_catalog
from tsunagu.procedures.models import ProcedureVersion
from tsunagu.procedures.selectors import _pinned, procedure_version_get
from tsunagu.procedures.services import VersionConflict, procedure_catalog_sync

FIXTURES = Path(__file__).parent.parent / "applications" / "fixtures" / "catalog"


def run(*args: str) -> str:
    out = StringIO()
    call_command("procedures", *args, stdout=out)
    return out.getvalue()


def test_check_reports_the_real_catalog() -> None:
    assert "手続き定義は正常です" in run("check")


def test_list_json_gives_code_version_name_category_and_field_count() -> None:
    rows = json.loads(run("list", "--json"))
    assert {r["code"] for r in rows} == set(catalog().procedures)
    nintei = next(r for r in rows if r["code"] == "jidou-teate-nintei")
    assert nintei["name"] == "児童手当の受給資格及び児童手当の額についての認定請求"
    assert nintei["version"] >= 1 and nintei["category"] == "kosodate" and nintei["fields"] > 20


def test_check_names_file_path_and_problem(tmp_path: Path, settings: Any) -> None:
    broken = (FIXTURES / "test-teate.yaml").read_text(encoding="utf-8")
    broken = broken.replace("type: yes_no", "type: yes_or_no").replace(
        "max_items: 5", "max_items: 500"
    )
    (tmp_path / "test-teate.yaml").write_text(broken, encoding="utf-8")
    (tmp_path / "_departments.yaml").write_text(
        (FIXTURES / "_departments.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path)
    text = str(caught.value)
    assert "test-teate.yaml: steps.1.fields.0.type" in text
    assert "max_items" in text
    settings.TSUNAGU_CATALOG_DIR = tmp_path
    with pytest.raises(CommandError):
        call_command("procedures", "check", stdout=StringIO(), stderr=StringIO())


def test_unknown_condition_reference_is_refused(tmp_path: Path) -> None:
    text = (FIXTURES / "test-teate.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "when: {field: has_spouse, equals: true}", "when: {field: has_husband, equals: true}", 1
    )
    (tmp_path / "test-teate.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path)
    assert "has_husband" in str(caught.value)


@pytest.mark.django_db
def test_a_changed_definition_needs_a_new_version_and_old_versions_stay(tmp_path: Path) -> None:
    source = load_catalog(FIXTURES)
    procedure_catalog_sync(source=source)
    pinned = ProcedureVersion.objects.get(code="test-teate", version=1)
    changed_text = (
        (FIXTURES / "test-teate.yaml")
        .read_text(encoding="utf-8")
        .replace("テスト手当の認定請求", "テスト手当の認定請求（改）")
    )
    (tmp_path / "test-teate.yaml").write_text(changed_text, encoding="utf-8")
    with pytest.raises(VersionConflict):
        procedure_catalog_sync(source=load_catalog(tmp_path))
    (tmp_path / "test-teate.yaml").write_text(
        changed_text.replace("version: 1", "version: 2"), encoding="utf-8"
    )
    procedure_catalog_sync(source=load_catalog(tmp_path))
    _pinned.cache_clear()
    old = procedure_version_get(code="test-teate", version=1)
    assert old.names.ja == "テスト手当の認定請求"
    assert ProcedureVersion.objects.get(pk=pinned.pk).sha256 == pinned.sha256


@pytest.mark.django_db
def test_sync_is_idempotent() -> None:
    first = run("sync")
    second = run("sync")
    assert "新規" in first
    assert "新規 0件" in second
    assert ProcedureVersion.objects.count() == len(catalog().procedures)


@pytest.mark.django_db
def test_funnel_prints_drop_off_per_step(client: Any, settings: Any) -> None:
    from tests.applications.test_flow import fill_all, start
    from tests.conftest import login_as

    settings.TSUNAGU_CATALOG_DIR = FIXTURES
    catalog.cache_clear()
    try:
        login_as(client, "demo-0001")
        draft = start(client)
        fill_all(client, draft)
        client.post(f"/applications/{draft.pk}/check/", {"version": "1", "declaration": "yes"})
        # A second resident stops at the first step.
        client.post("/logout/")
        login_as(client, "demo-0002")
        client.post("/procedures/test-teate/start/")
        report = json.loads(run("funnel", "test-teate", "--json"))
        text = run("funnel")
    finally:
        catalog.cache_clear()
    proc = report[0]
    assert proc["started"] == 2 and proc["submitted"] == 1
    assert proc["completion_rate"] == 0.5
    applicant = next(s for s in proc["steps"] if s["step"] == "applicant")
    assert applicant["entered"] >= 1 and applicant["left"] == 1
    assert "離脱率" in text
    from tsunagu.applications.models import FunnelEvent

    assert not any(hasattr(FunnelEvent, f) for f in ("resident", "resident_id", "answers"))
