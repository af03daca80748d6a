"""電子決裁 pages: full routes through the forms, 合議 access, 代決 designation, reopening."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.test.client import RequestFactory

from tests.conftest import staff_login
from tsunagu.accounts.staff_models import StaffProfile
from tsunagu.applications.models import Application
from tsunagu.audit.models import AuditEvent
from tsunagu.casework.approvals.models import ApprovalRoute, DeputyAssignment, RouteState
from tsunagu.casework.approvals.selectors import decision_summary
from tsunagu.casework.models import Case, CaseStatus
from tsunagu.casework.panels import panels_for

pytestmark = pytest.mark.django_db

People = dict[str, StaffProfile]


def client_of(profile: StaffProfile) -> Client:
    return staff_login(Client(), profile)


def page(case: Case) -> str:
    return f"/staff/approvals/cases/{case.pk}/"


def text(response: object) -> str:
    body = response.content.decode()  # type: ignore[attr-defined]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def status(case: Case) -> str:
    case.refresh_from_db()
    return case.status


def draft_post(**extra: str) -> dict[str, str]:
    data = {"outcome": "approve", "reason": "", "send": "1"}
    data.update(extra)
    return data


def test_full_route_through_the_pages_with_one_return(
    make_case: Callable[..., Case], people: People
) -> None:
    case = make_case()
    clerk, chief, head = (client_of(people[k]) for k in ("clerk", "chief", "head"))

    response = clerk.get(page(case))
    assert response.status_code == 200
    assert 'id="approval-draft-form"' in response.content.decode()
    assert AuditEvent.objects.filter(action="approval.view", obj_id=str(case.pk)).exists()

    response = clerk.post(
        page(case) + "draft/",
        draft_post(amount_label_0="児童手当 月額", amount_yen_0="１０，０００"),
    )
    assert response.status_code == 302 and response["Location"] == page(case)
    assert status(case) == CaseStatus.APPROVING

    assert "現在、審査（係長）の決裁を待っています。" in text(clerk.get(page(case)))
    # The 係長 finds it in "waiting for me"; the 課長 does not yet.
    assert case.receipt_number in text(chief.get("/staff/approvals/"))
    assert case.receipt_number not in text(head.get("/staff/approvals/"))
    # The drafter sees no buttons on their own draft.
    assert 'id="approval-act"' not in clerk.get(page(case)).content.decode()

    # A return needs its comment, shown next to the field.
    response = chief.post(page(case) + "act/", {"action": "return", "comment": ""})
    assert response.status_code == 400
    assert 'id="approval-comment-error"' in response.content.decode()
    assert status(case) == CaseStatus.APPROVING

    response = chief.post(
        page(case) + "act/", {"action": "return", "comment": "金額を確認してください。"}
    )
    assert response.status_code == 302
    assert status(case) == CaseStatus.IN_REVIEW
    body = text(clerk.get(page(case)))
    assert "金額を確認してください。" in body and "差戻し" in body

    response = clerk.post(
        page(case) + "draft/", draft_post(amount_label_0="児童手当 月額", amount_yen_0="15000")
    )
    assert response.status_code == 302
    assert chief.post(page(case) + "act/", {"action": "approve"}).status_code == 302
    assert case.receipt_number in text(head.get("/staff/approvals/"))
    assert head.post(page(case) + "act/", {"action": "approve"}).status_code == 302

    assert status(case) == CaseStatus.APPROVED
    assert Application.objects.get(pk=case.application_id).status == "approved"
    summary = decision_summary(case=case)
    assert summary is not None and summary.amounts == {"児童手当 月額": 15000}
    assert [r.state for r in ApprovalRoute.objects.filter(case=case)] == [
        RouteState.RETURNED,
        RouteState.APPROVED,
    ]
    body = text(head.get(page(case)))
    assert "決裁ルート（2回目）" in body and "決裁済み" in body
    # Decided: no form and no buttons remain.
    html = clerk.get(page(case)).content.decode()
    assert 'id="approval-draft-form"' not in html and 'id="approval-act"' not in html


def test_draft_errors_are_shown_next_to_their_fields(
    make_case: Callable[..., Case], people: People
) -> None:
    case = make_case("risai-shomeisho")
    clerk = client_of(people["z_clerk"])
    response = clerk.post(page(case) + "draft/", draft_post(reason="確認しました。"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="approval-damage-error"' in html
    # Sent again from the page shown with the errors, the form still returns to the case.
    assert f'name="next" value="{page(case)}"' in html
    assert "確認しました。" in html  # what was typed is kept
    response = clerk.post(page(case) + "draft/", draft_post(amount_label_0="", amount_yen_0="5"))
    assert 'id="approval-amounts-error"' in response.content.decode()
    response = clerk.post(page(case) + "draft/", draft_post(outcome="reject"))
    assert 'id="approval-reason-error"' in response.content.decode()
    assert status(case) == CaseStatus.IN_REVIEW
    response = clerk.post(page(case) + "draft/", draft_post(damage_level="daikibo_hankai"))
    assert response.status_code == 302
    assert "大規模半壊" in text(clerk.get(page(case)))


def test_save_then_send_separately(make_case: Callable[..., Case], people: People) -> None:
    case = make_case()
    clerk = client_of(people["clerk"])
    response = clerk.post(page(case) + "draft/", {"outcome": "approve"})
    assert response.status_code == 302
    assert status(case) == CaseStatus.IN_REVIEW
    assert 'id="approval-start"' in clerk.get(page(case)).content.decode()
    # Another clerk of the department may not send someone else's draft.
    response = client_of(people["clerk2"]).post(page(case) + "start/")
    assert response.status_code == 400
    assert clerk.post(page(case) + "start/").status_code == 302
    assert status(case) == CaseStatus.APPROVING


def test_consultation_pages_of_two_departments(
    make_case: Callable[..., Case], people: People
) -> None:
    case = make_case("risai-shomeisho")
    client_of(people["z_clerk"]).post(page(case) + "draft/", draft_post(damage_level="hankai"))
    kiki, shimin = client_of(people["kiki_chief"]), client_of(people["shimin_head"])
    # Departments that are not consulted see nothing, as for a case that does not exist.
    assert client_of(people["other_chief"]).get(page(case)).status_code == 404

    assert case.receipt_number in text(kiki.get("/staff/approvals/"))
    response = kiki.get(page(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="consult_agree"' in html and 'id="approval-draft-form"' not in html
    response = kiki.post(
        page(case) + "act/", {"action": "consult_agree", "comment": "同意します。"}
    )
    assert response.status_code == 302 and response["Location"] == "/staff/approvals/"
    # The consultation answered, the case is out of the department's reach again.
    assert kiki.get(page(case)).status_code == 404

    z_chief = client_of(people["z_chief"])
    assert z_chief.post(page(case) + "act/", {"action": "approve"}).status_code == 302
    z_head = client_of(people["z_head"])
    response = z_head.post(page(case) + "act/", {"action": "approve"})
    assert response.status_code == 400 and "合議（市民課）" in text(response)
    assert shimin.post(page(case) + "act/", {"action": "consult_agree"}).status_code == 302
    assert z_head.post(page(case) + "act/", {"action": "approve"}).status_code == 302
    assert status(case) == CaseStatus.APPROVED


def test_a_non_consulted_clerk_of_the_consulted_department_gets_no_buttons(
    make_case: Callable[..., Case], people: People
) -> None:
    case = make_case("risai-shomeisho")
    client_of(people["z_clerk"]).post(page(case) + "draft/", draft_post(damage_level="hankai"))
    client = client_of(people["kiki_clerk"])
    response = client.get(page(case))
    assert response.status_code == 200  # the department is consulted now
    assert 'id="approval-act"' not in response.content.decode()
    response = client.post(page(case) + "act/", {"action": "consult_agree"})
    assert response.status_code == 400


def test_unknown_and_malformed_case_ids_are_not_found(people: People) -> None:
    client = client_of(people["chief"])
    assert (
        client.get("/staff/approvals/cases/7a1b4d1e-0000-4000-8000-000000000000/").status_code
        == 404
    )
    assert client.get("/staff/approvals/cases/not-a-uuid/").status_code == 404


def test_reject_through_the_page(make_case: Callable[..., Case], people: People) -> None:
    case = make_case()
    client_of(people["clerk"]).post(page(case) + "draft/", draft_post())
    chief = client_of(people["chief"])
    response = chief.post(
        page(case) + "act/", {"action": "reject", "comment": "要件を満たしません。"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.REJECTED and case.decision_reason == "要件を満たしません。"


def test_deputy_designation_and_deputy_approval_through_the_pages(
    make_case: Callable[..., Case], people: People
) -> None:
    head = client_of(people["head"])
    assert client_of(people["chief"]).get("/staff/approvals/deputies/").status_code == 404
    response = head.post(
        "/staff/approvals/deputies/", {"deputy": str(people["clerk2"].user_id), "target": ""}
    )
    assert response.status_code == 400 and 'id="deputy-error"' in response.content.decode()
    response = head.post(
        "/staff/approvals/deputies/",
        {"deputy": str(people["clerk2"].user_id), "target": "role:chief"},
    )
    assert response.status_code == 302
    assignment = DeputyAssignment.objects.get()
    assert "k-clerk2" in text(head.get("/staff/approvals/deputies/"))

    case = make_case()
    client_of(people["clerk"]).post(page(case) + "draft/", draft_post())
    deputy = client_of(people["clerk2"])
    assert case.receipt_number in text(deputy.get("/staff/approvals/"))
    html = deputy.get(page(case)).content.decode()
    assert 'value="deputy_approve"' in html and 'value="approve"' not in html
    assert deputy.post(page(case) + "act/", {"action": "deputy_approve"}).status_code == 302
    body = text(head.get(page(case)))
    assert "代決（k-chief に代わって）" in body

    # Another department's 課長 cannot revoke it; this department's can.
    other = client_of(people["other_head"])
    assert other.post(f"/staff/approvals/deputies/{assignment.pk}/revoke/").status_code == 404
    assert head.post(f"/staff/approvals/deputies/{assignment.pk}/revoke/").status_code == 302
    assignment.refresh_from_db()
    assert assignment.revoked_at is not None


@pytest.mark.parametrize(("who", "code"), [("clerk", 400), ("chief", 400), ("head", 302)])
def test_reopening_through_the_page(
    make_case: Callable[..., Case], people: People, who: str, code: int
) -> None:
    case = make_case()
    client_of(people["clerk"]).post(page(case) + "draft/", draft_post())
    client_of(people["chief"]).post(page(case) + "act/", {"action": "approve"})
    client_of(people["head"]).post(page(case) + "act/", {"action": "approve"})
    assert status(case) == CaseStatus.APPROVED
    client = client_of(people[who])
    assert ('id="approval-reopen"' in client.get(page(case)).content.decode()) is (code == 302)
    response = client.post(page(case) + "reopen/", {"reason": "所得の更正がありました。"})
    assert response.status_code == code
    assert status(case) == (CaseStatus.IN_REVIEW if code == 302 else CaseStatus.APPROVED)


def test_the_panel_is_registered_for_the_case_page(
    make_case: Callable[..., Case], people: People
) -> None:
    case = make_case()
    request = RequestFactory().get(f"/staff/cases/{case.pk}/")
    keys = [p.key for p, _ctx in panels_for(request=request, case=case, staff=people["clerk"])]
    assert "approvals" in keys
    other = [
        p.key for p, _ctx in panels_for(request=request, case=case, staff=people["other_chief"])
    ]
    assert "approvals" not in other


@pytest.mark.parametrize("who", ["admin", "auditor"])
def test_roles_outside_cases_see_no_approval_page(
    make_case: Callable[..., Case], people: People, who: str
) -> None:
    case = make_case()
    client = client_of(people[who])
    assert client.get(page(case)).status_code == 404
    assert client.get("/staff/approvals/").status_code == 404


def test_the_case_page_shows_the_panel_and_actions_return_there(
    make_case: Callable[..., Case], people: People
) -> None:
    case = make_case()
    clerk = client_of(people["clerk"])
    case_page = f"/staff/cases/{case.pk}/"
    response = clerk.get(case_page)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="approval"' in html and 'id="approval-draft-form"' in html
    assert f'name="next" value="{case_page}"' in html
    response = clerk.post(page(case) + "draft/", {**draft_post(), "next": case_page})
    assert response.status_code == 302 and response["Location"] == case_page
    html = client_of(people["chief"]).get(case_page).content.decode()
    assert "（現在の段階）" in html and 'value="approve"' in html


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("10000", 10000),
        ("１０，０００", 10000),
        ("10,000円", 10000),
        ("-100", None),
        ("1e5", None),
        ("١٢٣", None),  # Arabic-Indic digits
        ("10000000000", None),  # over the limit
        ("' OR 1=1 --", None),
        ("", None),
    ],
)
def test_amounts_are_read_as_people_type_them(
    make_case: Callable[..., Case], people: People, typed: str, stored: int | None
) -> None:
    case = make_case()
    response = client_of(people["clerk"]).post(
        page(case) + "draft/", draft_post(send="", amount_label_0="月額", amount_yen_0=typed)
    )
    drafted = case.decision_drafts.first()
    if stored is None:
        assert response.status_code == 400 and drafted is None
        assert 'id="approval-amounts-error"' in response.content.decode()
    else:
        assert response.status_code == 302
        assert drafted is not None and drafted.amounts == {"月額": stored}


def test_the_staff_home_links_to_the_waiting_list(people: People) -> None:
    html = client_of(people["chief"]).get("/staff/").content.decode()
    assert 'href="/staff/approvals/"' in html
