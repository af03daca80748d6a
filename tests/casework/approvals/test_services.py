"""電子決裁 services: who may act at which step, routes, 代決, 合議, reject, reopening."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tsunagu.accounts.staff_models import StaffProfile
from tsunagu.applications.models import Application
from tsunagu.audit.models import AuditEvent
from tsunagu.casework.approvals.models import (
    ActionKind,
    ApprovalAction,
    ApprovalRoute,
    RouteState,
    RouteStep,
    StepKind,
    StepState,
)
from tsunagu.casework.approvals.selectors import approval_waiting_for, decision_summary
from tsunagu.casework.approvals.services import (
    ApprovalRefused,
    DraftInvalid,
    approval_approve,
    approval_consult_agree,
    approval_consult_disagree,
    approval_deputy_approve,
    approval_reject,
    approval_return,
    approval_start,
    decision_draft,
    decision_reopen,
    deputy_assign,
    deputy_revoke,
)
from tsunagu.casework.models import Case, CaseStatus, CaseStatusChange
from tsunagu.casework.services import case_withdraw

pytestmark = pytest.mark.django_db

People = dict[str, StaffProfile]


def started(case: Case, drafter: StaffProfile, **draft: Any) -> ApprovalRoute:
    decision_draft(
        case=case,
        staff=drafter,
        outcome=draft.pop("outcome", "approve"),
        reason=draft.pop("reason", ""),
        **draft,
    )
    return approval_start(case=case, staff=drafter)


def status(case: Case) -> str:
    case.refresh_from_db()
    return case.status


# --- drafting ------------------------------------------------------------------------


def test_a_draft_is_a_new_revision_each_time_and_audited(
    make_case: Callable[..., Case], people: People
) -> None:
    case = make_case()
    first = decision_draft(case=case, staff=people["clerk"], outcome="approve")
    second = decision_draft(
        case=case,
        staff=people["clerk"],
        outcome="approve",
        amounts={"児童手当 月額": 10000},
    )
    assert (first.revision, second.revision) == (1, 2)
    assert second.amounts == {"児童手当 月額": 10000}
    drafted = AuditEvent.objects.filter(action="approval.draft", obj_id=str(case.pk))
    assert drafted.count() == 2 and {e.role for e in drafted} == {"clerk"}


@pytest.mark.parametrize(
    ("procedure", "entries", "field"),
    [
        ("test-kessai", {"outcome": "maybe"}, "outcome"),
        ("test-kessai", {"outcome": "reject", "reason": "  "}, "reason"),
        ("test-kessai", {"outcome": "approve", "amounts": {"月額": -1}}, "amounts"),
        ("test-kessai", {"outcome": "approve", "amounts": {"": 100}}, "amounts"),
        ("test-kessai", {"outcome": "approve", "amounts": {"月額": "100"}}, "amounts"),
        ("risai-shomeisho", {"outcome": "approve"}, "damage_level"),
        ("risai-shomeisho", {"outcome": "approve", "damage_level": "zenzen"}, "damage_level"),
    ],
)
def test_wrong_draft_entries_are_refused_by_field(
    make_case: Callable[..., Case],
    people: People,
    procedure: str,
    entries: dict[str, Any],
    field: str,
) -> None:
    case = make_case(procedure)
    drafter = people["z_clerk"] if procedure == "risai-shomeisho" else people["clerk"]
    with pytest.raises(DraftInvalid) as err:
        decision_draft(case=case, staff=drafter, **entries)
    assert field in err.value.errors
    assert not case.decision_drafts.exists()


def test_risai_rejection_needs_no_damage_level_and_drops_it(
    make_case: Callable[..., Case], people: People
) -> None:
    case = make_case("risai-shomeisho")
    draft = decision_draft(
        case=case,
        staff=people["z_clerk"],
        outcome="reject",
        reason="被害が確認できませんでした。",
        damage_level="hankai",
        amounts={"x": 1},
    )
    assert (draft.damage_level, draft.amounts) == ("", {})


@pytest.mark.parametrize(
    ("who", "case_status", "message"),
    [
        ("other_chief", CaseStatus.IN_REVIEW, "担当する課"),
        ("admin", CaseStatus.IN_REVIEW, "役割"),
        ("auditor", CaseStatus.IN_REVIEW, "役割"),
        ("clerk", CaseStatus.RECEIVED, "審査中の案件だけ"),
        ("clerk", CaseStatus.APPROVED, "決定済み"),
        ("clerk", CaseStatus.APPROVING, "決裁中"),
    ],
)
def test_who_may_draft_and_when(
    make_case: Callable[..., Case], people: People, who: str, case_status: str, message: str
) -> None:
    case = make_case(status=case_status)
    with pytest.raises(ApprovalRefused) as err:
        decision_draft(case=case, staff=people[who], outcome="approve")
    assert message in err.value.reason


def test_start_snapshots_the_pinned_route_and_moves_the_case(
    make_case: Callable[..., Case], people: People
) -> None:
    case = make_case()
    route = started(case, people["clerk"])
    steps = list(route.steps.order_by("order"))
    assert [(s.order, s.kind, s.role, s.state) for s in steps] == [
        (0, StepKind.DRAFT, "clerk", StepState.DONE),
        (1, StepKind.APPROVAL, "chief", StepState.PENDING),
        (2, StepKind.APPROVAL, "section_head", StepState.PENDING),
    ]
    assert steps[0].acted_by == people["clerk"].user
    assert (steps[1].label, steps[2].label) == ("審査", "決定")
    assert status(case) == CaseStatus.APPROVING
    assert Application.objects.get(pk=case.application_id).status == "approving"


def test_only_the_drafter_starts_and_only_once(
    make_case: Callable[..., Case], people: People
) -> None:
    case = make_case()
    with pytest.raises(ApprovalRefused, match="先に起案"):
        approval_start(case=case, staff=people["clerk"])
    decision_draft(case=case, staff=people["clerk"], outcome="approve")
    with pytest.raises(ApprovalRefused, match="起案した職員だけ"):
        approval_start(case=case, staff=people["clerk2"])
    approval_start(case=case, staff=people["clerk"])
    with pytest.raises(ApprovalRefused, match="決裁中"):
        approval_start(case=case, staff=people["clerk"])


def test_a_definition_without_route_gets_the_default(
    make_case: Callable[..., Case], people: People
) -> None:
    case = make_case("test-noroute")
    route = started(case, people["clerk"])
    assert [s.role for s in route.steps.order_by("order")] == ["clerk", "chief"]
    approval_approve(case=case, staff=people["chief"])
    assert status(case) == CaseStatus.APPROVED


# --- who may act at which step -------------------------------------------------------

# (actor, step the route is at: 1 = 係長, 2 = 課長, allowed)
PERMISSIONS = [
    ("chief", 1, True),
    ("head", 1, False),  # a 課長 does not take the 係長's step
    ("clerk2", 1, False),
    ("director", 1, False),
    ("admin", 1, False),
    ("auditor", 1, False),
    ("other_chief", 1, False),  # another department's 係長
    ("clerk", 1, False),  # the drafter
    ("head", 2, True),
    ("chief", 2, False),  # already acted at step 1 — and not the role
    ("director", 2, False),
    ("other_head", 2, False),
]


@pytest.mark.parametrize(("who", "at", "allowed"), PERMISSIONS)
def test_only_the_current_steps_role_in_the_department_may_approve(
    make_case: Callable[..., Case], people: People, who: str, at: int, allowed: bool
) -> None:
    case = make_case()
    started(case, people["clerk"])
    if at == 2:
        approval_approve(case=case, staff=people["chief"])
    if allowed:
        step = approval_approve(case=case, staff=people[who])
        assert step.order == at and step.state == StepState.APPROVED
    else:
        before = list(RouteStep.objects.values_list("state", flat=True).order_by("pk"))
        for act in (approval_approve, approval_return, approval_reject):
            with pytest.raises(ApprovalRefused):
                act(case=case, staff=people[who], comment="理由")
        assert list(RouteStep.objects.values_list("state", flat=True).order_by("pk")) == before


def test_the_drafter_cannot_approve_their_own_draft_even_holding_the_role(
    make_case: Callable[..., Case], people: People
) -> None:
    case = make_case()
    started(case, people["chief"])  # a 係長 drafts; the route's next step is 係長
    with pytest.raises(ApprovalRefused, match="ご自身が起案"):
        approval_approve(case=case, staff=people["chief"])


def test_refusals_name_the_step_being_waited_for(
    make_case: Callable[..., Case], people: People
) -> None:
    case = make_case()
    started(case, people["clerk"])
    with pytest.raises(ApprovalRefused) as err:
        approval_approve(case=case, staff=people["head"])
    assert "審査（係長）" in err.value.reason


# --- full routes ---------------------------------------------------------------------


def test_return_once_then_redraft_and_complete(
    make_case: Callable[..., Case], people: People
) -> None:
    case = make_case()
    first = started(case, people["clerk"], amounts={"児童手当 月額": 10000})
    with pytest.raises(ApprovalRefused, match="理由"):
        approval_return(case=case, staff=people["chief"], comment=" ")
    approval_return(case=case, staff=people["chief"], comment="所得の確認書類を添付してください。")
    first.refresh_from_db()
    assert first.state == RouteState.RETURNED
    assert list(first.steps.values_list("state", flat=True).order_by("order")) == [
        StepState.DONE,
        StepState.RETURNED,
        StepState.CLOSED,
    ]
    assert status(case) == CaseStatus.IN_REVIEW
    last = CaseStatusChange.objects.filter(case=case).last()
    assert last is not None and last.reason == "所得の確認書類を添付してください。"
    # The returned draft cannot go out again unchanged: it is redrafted first.
    with pytest.raises(ApprovalRefused, match="起案し直して"):
        approval_start(case=case, staff=people["clerk"])
    second = started(case, people["clerk"], amounts={"児童手当 月額": 15000})
    approval_approve(case=case, staff=people["chief"])
    assert status(case) == CaseStatus.APPROVING
    approval_approve(case=case, staff=people["head"], comment="承認します。")
    second.refresh_from_db()
    assert second.state == RouteState.APPROVED and second.finished_at is not None
    assert status(case) == CaseStatus.APPROVED
    kinds = list(ApprovalAction.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == [
        ActionKind.DRAFT,
        ActionKind.START,
        ActionKind.RETURN,
        ActionKind.DRAFT,
        ActionKind.START,
        ActionKind.APPROVE,
        ActionKind.APPROVE,
    ]
    audited = set(AuditEvent.objects.filter(obj_id=str(case.pk)).values_list("action", flat=True))
    assert {
        "approval.draft",
        "approval.start",
        "approval.return",
        "approval.approve",
        "case.return_to_review",
        "case.approve",
    } <= audited


def test_a_draft_proposing_rejection_decides_rejection_with_its_reason(
    make_case: Callable[..., Case], people: People
) -> None:
    case = make_case()
    started(case, people["clerk"], outcome="reject", reason="所得が限度額を超えています。")
    approval_approve(case=case, staff=people["chief"])
    approval_approve(case=case, staff=people["head"])
    case.refresh_from_db()
    assert case.status == CaseStatus.REJECTED
    assert case.decision_reason == "所得が限度額を超えています。"


def test_reject_at_a_step_decides_rejection(make_case: Callable[..., Case], people: People) -> None:
    case = make_case()
    route = started(case, people["clerk"])
    approval_approve(case=case, staff=people["chief"])
    with pytest.raises(ApprovalRefused, match="理由"):
        approval_reject(case=case, staff=people["head"], comment="")
    approval_reject(case=case, staff=people["head"], comment="受給資格がありません。")
    route.refresh_from_db()
    case.refresh_from_db()
    assert route.state == RouteState.REJECTED
    assert case.status == CaseStatus.REJECTED
    assert case.decision_reason == "受給資格がありません。"
    summary = decision_summary(case=case)
    assert summary is not None and summary.approved is False
    assert [a.role for a in summary.approvers] == ["clerk", "chief", "section_head"]


# --- 代決 ----------------------------------------------------------------------------


def test_deputy_for_a_role_takes_the_step_recorded_as_such(
    make_case: Callable[..., Case], people: People
) -> None:
    deputy_assign(
        staff=people["head"],
        department="kodomo_seisaku",
        role="chief",
        deputy=people["clerk2"].user,
    )
    case = make_case()
    started(case, people["clerk"])
    # A deputy must say so: plain approval is for the step's own role.
    with pytest.raises(ApprovalRefused, match="代決"):
        approval_approve(case=case, staff=people["clerk2"])
    # The 係長 approves in their own right, not as a deputy.
    with pytest.raises(ApprovalRefused, match="代決ではなく"):
        approval_deputy_approve(case=case, staff=people["chief"])
    step = approval_deputy_approve(case=case, staff=people["clerk2"], comment="係長不在のため")
    # Only one 係長 in the department: the deputy stood in for that person.
    assert step.deputy_for == people["chief"].user
    action = ApprovalAction.objects.get(kind=ActionKind.DEPUTY_APPROVE)
    assert action.actor == people["clerk2"].user and action.deputy_for == people["chief"].user
    assert [s.route.case_id for s in approval_waiting_for(staff=people["head"])] == [case.pk]
    approval_approve(case=case, staff=people["head"])
    summary = decision_summary(case=case)
    assert summary is not None
    assert [(a.role, a.name, a.deputy_for) for a in summary.approvers] == [
        ("clerk", "k-clerk", ""),
        ("chief", "k-clerk2", "k-chief"),
        ("section_head", "k-head", ""),
    ]


def test_deputy_for_a_person_and_revocation(make_case: Callable[..., Case], people: People) -> None:
    assignment = deputy_assign(
        staff=people["head"],
        department="kodomo_seisaku",
        principal=people["head"].user,
        deputy=people["director"].user,
    )
    case = make_case()
    started(case, people["clerk"])
    approval_approve(case=case, staff=people["chief"])
    assert approval_waiting_for(staff=people["director"])
    deputy_revoke(staff=people["head"], assignment=assignment)
    assert approval_waiting_for(staff=people["director"]) == []
    with pytest.raises(ApprovalRefused):
        approval_deputy_approve(case=case, staff=people["director"])


@pytest.mark.parametrize(
    ("who", "entries", "message"),
    [
        ("chief", {"role": "chief", "deputy": "clerk2"}, "課長または管理者"),
        ("other_head", {"role": "chief", "deputy": "clerk2"}, "課長または管理者"),
        ("head", {"role": "chief", "deputy": "other_chief"}, "その課で案件を扱う職員"),
        ("head", {"role": "chief", "deputy": "admin"}, "その課で案件を扱う職員"),
        ("head", {"principal": "clerk", "deputy": "clerk2"}, "係長・課長・部長を指定"),
        ("head", {"role": "chief", "deputy": "chief"}, "同じ役割"),
        ("head", {"deputy": "clerk2"}, "どちらか一つ"),
        ("head", {"principal": "head", "deputy": "head"}, "本人"),
        ("head", {"role": "clerk", "deputy": "chief"}, "係長・課長・部長"),
    ],
)
def test_deputy_designation_rules(
    people: People, who: str, entries: dict[str, str], message: str
) -> None:
    kwargs: dict[str, Any] = {"deputy": people[entries["deputy"]].user}
    if "role" in entries:
        kwargs["role"] = entries["role"]
    if "principal" in entries:
        kwargs["principal"] = people[entries["principal"]].user
    with pytest.raises(ApprovalRefused) as err:
        deputy_assign(staff=people[who], department="kodomo_seisaku", **kwargs)
    assert message in err.value.reason


def test_an_administrator_designates_for_any_department(people: People) -> None:
    assignment = deputy_assign(
        staff=people["admin"], department="zeimu", role="chief", deputy=people["z_clerk"].user
    )
    assert assignment.department == "zeimu"


# --- 合議 ----------------------------------------------------------------------------


def test_consultation_of_two_departments_runs_in_parallel(
    make_case: Callable[..., Case], people: People
) -> None:
    case = make_case("risai-shomeisho")
    route = started(case, people["z_clerk"], damage_level="hankai")
    current = route.steps.filter(order=1).order_by("kind", "department")
    assert [(s.kind, s.department) for s in current] == [
        (StepKind.APPROVAL, "zeimu"),
        (StepKind.CONSULT, "kikikanri"),
        (StepKind.CONSULT, "shimin"),
    ]
    assert [s.route_id for s in approval_waiting_for(staff=people["kiki_chief"])] == [route.pk]
    assert [s.route_id for s in approval_waiting_for(staff=people["shimin_head"])] == [route.pk]
    assert approval_waiting_for(staff=people["kiki_clerk"]) == []
    # A 担当者 of a consulted department cannot agree; a 係長 cannot "approve" a consultation.
    with pytest.raises(ApprovalRefused):
        approval_consult_agree(case=case, staff=people["kiki_clerk"])
    with pytest.raises(ApprovalRefused):
        approval_approve(case=case, staff=people["kiki_chief"])
    approval_consult_agree(case=case, staff=people["kiki_chief"], comment="異議ありません。")
    approval_approve(case=case, staff=people["z_chief"])
    # The 課長's step waits until every consultation agreed.
    with pytest.raises(ApprovalRefused, match="合議（市民課）"):
        approval_approve(case=case, staff=people["z_head"])
    approval_consult_agree(case=case, staff=people["shimin_head"])
    approval_approve(case=case, staff=people["z_head"])
    assert status(case) == CaseStatus.APPROVED
    summary = decision_summary(case=case)
    assert summary is not None and summary.damage_level == "hankai"
    assert [a.role for a in summary.approvers] == [
        "clerk",
        "chief",
        "chief",
        "section_head",
        "section_head",
    ]


def test_a_disagreeing_consultation_returns_the_draft(
    make_case: Callable[..., Case], people: People
) -> None:
    case = make_case("risai-shomeisho")
    route = started(case, people["z_clerk"], damage_level="zenkai")
    with pytest.raises(ApprovalRefused, match="同意しない理由"):
        approval_consult_disagree(case=case, staff=people["kiki_chief"], comment="")
    approval_consult_disagree(
        case=case, staff=people["kiki_chief"], comment="調査結果では半壊です。"
    )
    route.refresh_from_db()
    assert route.state == RouteState.RETURNED
    assert status(case) == CaseStatus.IN_REVIEW
    assert approval_waiting_for(staff=people["shimin_head"]) == []


# --- decided cases and reopening -----------------------------------------------------


@pytest.fixture
def decided(make_case: Callable[..., Case], people: People) -> Case:
    case = make_case()
    started(case, people["clerk"], amounts={"児童手当 月額": 10000})
    approval_approve(case=case, staff=people["chief"])
    approval_approve(case=case, staff=people["head"])
    case.refresh_from_db()
    return case


def test_a_decided_case_cannot_be_changed(decided: Case, people: People) -> None:
    with pytest.raises(ApprovalRefused, match="決定済み"):
        decision_draft(case=decided, staff=people["clerk"], outcome="reject", reason="x")
    with pytest.raises(ApprovalRefused, match="決定済み"):
        approval_start(case=decided, staff=people["clerk"])
    for act in (approval_approve, approval_return, approval_reject):
        with pytest.raises(ApprovalRefused, match="決定済み"):
            act(case=decided, staff=people["head"], comment="x")
    with pytest.raises(Exception, match="決定済み"):
        case_withdraw(case=decided, actor=people["head"].user, reason="x")
    assert status(decided) == CaseStatus.APPROVED


@pytest.mark.parametrize("who", ["clerk", "chief", "admin", "auditor", "other_head"])
def test_reopening_is_refused_below_section_head(decided: Case, people: People, who: str) -> None:
    with pytest.raises(ApprovalRefused):
        decision_reopen(case=decided, staff=people[who], reason="誤りがありました。")
    assert status(decided) == CaseStatus.APPROVED


@pytest.mark.parametrize("who", ["head", "director"])
def test_reopening_by_section_head_or_above_keeps_the_history(
    decided: Case, people: People, who: str
) -> None:
    with pytest.raises(ApprovalRefused, match="理由"):
        decision_reopen(case=decided, staff=people[who], reason=" ")
    decision_reopen(case=decided, staff=people[who], reason="所得の更正がありました。")
    decided.refresh_from_db()
    assert decided.status == CaseStatus.IN_REVIEW
    assert decided.decided_at is None
    assert decision_summary(case=decided) is None
    history = list(
        CaseStatusChange.objects.filter(case=decided).values_list("to_status", flat=True)
    )
    assert history[-2:] == [CaseStatus.APPROVED, CaseStatus.IN_REVIEW]
    assert ApprovalRoute.objects.get(case=decided).state == RouteState.APPROVED
    assert AuditEvent.objects.filter(action="approval.reopen", obj_id=str(decided.pk)).exists()
    # Decided again through a new route: the summary follows the new decision.
    started(decided, people["clerk"], outcome="reject", reason="所得が限度額を超えました。")
    approval_approve(case=decided, staff=people["chief"])
    approval_approve(case=decided, staff=people["head"])
    summary = decision_summary(case=decided)
    assert summary is not None and summary.approved is False
    assert summary.reason == "所得が限度額を超えました。"


def test_reopening_an_undecided_case_is_refused(
    make_case: Callable[..., Case], people: People
) -> None:
    case = make_case()
    with pytest.raises(ApprovalRefused, match="決定前"):
        decision_reopen(case=case, staff=people["head"], reason="x")


# --- decision_summary ----------------------------------------------------------------


def test_decision_summary_of_an_approved_case(decided: Case, people: People) -> None:
    summary = decision_summary(case=decided)
    assert summary is not None
    assert summary.approved is True
    assert summary.amounts == {"児童手当 月額": 10000}
    assert summary.damage_level is None
    assert summary.decided_at == decided.decided_at
    assert [(a.role, a.name) for a in summary.approvers] == [
        ("clerk", "k-clerk"),
        ("chief", "k-chief"),
        ("section_head", "k-head"),
    ]
    times = [a.acted_at for a in summary.approvers]
    assert times == sorted(times)


def test_decision_summary_is_none_before_the_decision(
    make_case: Callable[..., Case], people: People
) -> None:
    case = make_case()
    assert decision_summary(case=case) is None
    started(case, people["clerk"])
    assert decision_summary(case=case) is None


def test_decision_summary_without_a_route(make_case: Callable[..., Case], people: People) -> None:
    from tsunagu.casework.services import case_decide

    case = make_case(status=CaseStatus.APPROVING)
    case_decide(case=case, actor=None, approve=False, reason="書類不備のため")
    case.refresh_from_db()
    summary = decision_summary(case=case)
    assert summary is not None
    assert (summary.approved, summary.reason, summary.approvers) == (False, "書類不備のため", ())


def test_a_withdrawn_application_stops_the_route(
    make_case: Callable[..., Case], people: People
) -> None:
    case = make_case()
    started(case, people["clerk"])
    Application.objects.filter(pk=case.application_id).update(status="withdrawn")
    assert approval_waiting_for(staff=people["chief"])
    with pytest.raises(ApprovalRefused):
        approval_approve(case=case, staff=people["chief"])
    assert status(case) == CaseStatus.WITHDRAWN
    assert approval_waiting_for(staff=people["chief"]) == []


def test_waiting_for_me_takes_the_same_queries_for_one_case_or_many(
    make_case: Callable[..., Case],
    people: People,
    django_assert_max_num_queries: Any,
) -> None:
    deputy_assign(
        staff=people["head"],
        department="kodomo_seisaku",
        role="chief",
        deputy=people["clerk2"].user,
    )
    started(make_case(), people["clerk"])
    counts = {}
    for who in ("chief", "clerk2"):  # in their own right, and as a deputy
        with django_assert_max_num_queries(4) as one:
            assert len(approval_waiting_for(staff=people[who])) == 1
        counts[who] = len(one.captured_queries)
    for _ in range(3):
        started(make_case(), people["clerk"])
    for who in ("chief", "clerk2"):
        with django_assert_max_num_queries(counts[who]):
            assert len(approval_waiting_for(staff=people[who])) == 4
