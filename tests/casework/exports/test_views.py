"""/staff/exports/: who may export what, the preview, export, download, re-export."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest

from tsunagu.audit.models import AuditEvent
from tsunagu.casework.exports.models import ExportRun
from tsunagu.casework.models import Case

pytestmark = pytest.mark.django_db

URL = "/staff/exports/"
CHOICE = {"target": "csv-hanyou", "procedure": "test-teate", "format": "csv", "encoding": "cp932"}


def test_a_clerk_sees_the_count_exports_and_downloads(
    decided_case: Callable[..., Case], staff_client: Callable[..., Any]
) -> None:
    decided_case()
    decided_case(sei="𠮷田")
    client = staff_client(role="clerk", department="kodomo_seisaku")
    page = client.get(URL)
    assert page.status_code == 200
    assert "テスト手当の認定請求" in page.content.decode()
    preview = client.get(URL, {**CHOICE, "preview": "1"})
    html = preview.content.decode()
    assert "2件の案件が出力されます" in html
    assert "U+20BB7" in html  # reported before anything is exported
    response = client.post(URL, CHOICE)
    run = ExportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{URL}runs/{run.pk}/"
    assert run.case_count == 1 and run.actor == client.staff.user
    detail = client.get(response["Location"]).content.decode()
    assert run.sha256 in detail and "保留" in detail
    download = client.get(f"{URL}runs/{run.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith(
        'attachment; filename="csv-hanyou_test-teate_'
    )
    assert hashlib.sha256(download.content).hexdigest() == run.sha256
    event = AuditEvent.objects.get(action="export.download")
    assert event.obj_id == str(run.pk) and event.actor_label


def test_another_department_gets_404_for_its_procedures_and_runs(
    decided_case: Callable[..., Case], staff_client: Callable[..., Any]
) -> None:
    decided_case()
    own = staff_client(role="clerk", department="kodomo_seisaku")
    own.post(URL, CHOICE)
    run = ExportRun.objects.get()
    other = staff_client(role="section_head", department="kaigo_hoken")
    assert other.get(URL).status_code == 200
    assert "test-teate" not in other.get(URL).content.decode()
    assert other.get(URL, {**CHOICE, "preview": "1"}).status_code == 404
    assert other.post(URL, CHOICE).status_code == 404
    for path in (f"runs/{run.pk}/", f"runs/{run.pk}/download/"):
        assert other.get(URL + path).status_code == 404
    reexport = other.post(f"{URL}runs/{run.pk}/reexport/", {"reason": "再送"})
    assert reexport.status_code == 404
    assert ExportRun.objects.count() == 1
    assert not AuditEvent.objects.filter(action="export.download").exists()


@pytest.mark.parametrize(("role", "status"), [("auditor", 404), ("admin", 200), ("director", 200)])
def test_roles(
    decided_case: Callable[..., Case], staff_client: Callable[..., Any], role: str, status: int
) -> None:
    decided_case()
    client = staff_client(role=role, department="shimin")
    response = client.get(URL, {**CHOICE, "preview": "1"})
    # admin: every department; director of another department: not this procedure.
    expected = status if role != "director" else 404
    assert response.status_code == expected


def test_reexport_from_the_run_page_needs_a_reason(
    decided_case: Callable[..., Case], staff_client: Callable[..., Any]
) -> None:
    first = decided_case()
    decided_case()
    client = staff_client(role="chief", department="kodomo_seisaku")
    client.post(URL, {**CHOICE, "encoding": "utf-8-sig"})
    run = ExportRun.objects.get()
    refused = client.post(f"{URL}runs/{run.pk}/reexport/", {"reason": ""})
    assert refused.status_code == 400
    assert "再出力する理由を入力してください" in refused.content.decode()
    done = client.post(
        f"{URL}runs/{run.pk}/reexport/",
        {"reason": "取込エラーのため", "case": str(first.pk), "format": "json"},
    )
    again = ExportRun.objects.get(reexport=True)
    assert done["Location"] == f"{URL}runs/{again.pk}/"
    assert again.case_count == 1 and again.format == "json" and again.reason == "取込エラーのため"
    # Exporting again normally finds nothing: re-export never re-queues.
    nothing = client.post(URL, CHOICE)
    assert nothing.status_code == 400
    assert "出力する案件はありません" in nothing.content.decode()


def test_not_logged_in_goes_to_the_staff_login(client: Any) -> None:
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")


def test_the_case_page_shows_where_the_case_was_sent(
    decided_case: Callable[..., Case], staff_client: Callable[..., Any]
) -> None:
    case = decided_case()
    client = staff_client(role="clerk", department="kodomo_seisaku")
    before = client.get(f"/staff/cases/{case.pk}/").content.decode()
    assert "この案件はまだ出力されていません" in before
    client.post(URL, CHOICE)
    run = ExportRun.objects.get()
    after = client.get(f"/staff/cases/{case.pk}/").content.decode()
    assert f"{URL}runs/{run.pk}/" in after and "csv-hanyou" in after
