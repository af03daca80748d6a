"""電子決裁: decision drafts, approval routes with their steps, every action, deputies.

A draft (起案) is never edited in place: each save adds a revision, so what every approver
saw stays on record. A route is started for one draft and snapshots its steps from the
procedure version the case is pinned to, so a later change of the catalog never changes a
route under way. Steps of one ``order`` run in parallel (合議: the department's own
approver and each consulted department). Nothing here is deleted: returned, rejected and
reopened routes stay as history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tsunagu.casework.decisions import DAMAGE_LEVELS
from tsunagu.casework.models import Case


class Outcome(models.TextChoices):
    APPROVE = "approve", _("承認")
    REJECT = "reject", _("却下")


class DecisionDraft(models.Model):
    """One revision of the decision a member of staff proposes (起案)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="decision_drafts")
    revision = models.PositiveIntegerField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.TextField(blank=True)
    # Amounts decided, label → yen, e.g. {"児童手当 月額": 10000}.
    amounts = models.JSONField(default=dict, blank=True)
    damage_level = models.CharField(max_length=20, choices=DAMAGE_LEVELS, blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    drafted_at = models.DateTimeField()

    class Meta:
        ordering = ["case", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["case", "revision"], name="approval_draft_revision")
        ]

    def __str__(self) -> str:
        return f"draft {self.case_id} r{self.revision} {self.outcome}"


class RouteState(models.TextChoices):
    ACTIVE = "active", _("決裁中")
    APPROVED = "approved", _("決裁済み")
    RETURNED = "returned", _("差戻し")
    REJECTED = "rejected", _("却下")


class ApprovalRoute(models.Model):
    """The route one draft takes; at most one is active per case."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="approval_routes")
    draft = models.ForeignKey(DecisionDraft, on_delete=models.PROTECT, related_name="routes")
    procedure_code = models.CharField(max_length=63)
    procedure_version = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=RouteState.choices, default=RouteState.ACTIVE)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "started_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(state="active"),
                name="approval_one_active_route",
            )
        ]

    def __str__(self) -> str:
        return f"route {self.pk} {self.case_id} {self.state}"


class StepKind(models.TextChoices):
    DRAFT = "draft", _("起案")
    APPROVAL = "approval", _("決裁")
    CONSULT = "consult", _("合議")


class StepState(models.TextChoices):
    PENDING = "pending", _("未決")
    DONE = "done", _("起案済み")
    APPROVED = "approved", _("承認")
    AGREED = "agreed", _("同意")
    RETURNED = "returned", _("差戻し")
    DISAGREED = "disagreed", _("不同意")
    REJECTED = "rejected", _("却下")
    # The route ended (returned or rejected) before this step was reached.
    CLOSED = "closed", _("未処理で終了")


class RouteStep(models.Model):
    """One step of a started route, as snapshotted from the pinned definition."""

    route = models.ForeignKey(ApprovalRoute, on_delete=models.CASCADE, related_name="steps")
    # Steps with the same order run in parallel (合議); the lowest order with a pending step
    # is the current one.
    order = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=StepKind.choices)
    department = models.CharField(max_length=41)
    # The role that takes this step (a consultation: 係長 or 課長 of ``department``).
    role = models.CharField(max_length=20)
    label = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=10, choices=StepState.choices, default=StepState.PENDING)
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The actor's own role when they acted (a 課長 may agree to a consultation).
    acted_role = models.CharField(max_length=20, blank=True)
    acted_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    # 代決: whom the actor stood in for; the person when known, else a label such as "係長".
    deputy_for = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deputy_for_label = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["route", "order", "kind", "department", "pk"]
        indexes = [
            # "Waiting for me": pending steps of a department and role.
            models.Index(fields=["department", "role", "state"], name="approval_step_waiting")
        ]

    def __str__(self) -> str:
        return f"step {self.order} {self.kind} {self.department} {self.role} {self.state}"


class ActionKind(models.TextChoices):
    DRAFT = "draft", _("起案")
    START = "start", _("決裁に回付")
    APPROVE = "approve", _("承認")
    DEPUTY_APPROVE = "deputy_approve", _("代決")
    RETURN = "return", _("差戻し")
    REJECT = "reject", _("却下")
    CONSULT_AGREE = "consult_agree", _("合議（同意）")
    CONSULT_DISAGREE = "consult_disagree", _("合議（不同意）")
    REOPEN = "reopen", _("決定の取消し・再審査")


class ApprovalAction(models.Model):
    """Every action taken on a case's approval, in order: who, when, what, why."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="approval_actions")
    route = models.ForeignKey(
        ApprovalRoute, null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    step = models.ForeignKey(
        RouteStep, null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    draft = models.ForeignKey(
        DecisionDraft, null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    kind = models.CharField(max_length=20, choices=ActionKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    actor_role = models.CharField(max_length=20)
    at = models.DateTimeField()
    comment = models.TextField(blank=True)
    deputy_for = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deputy_for_label = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} on {self.case_id} by {self.actor_id}"


class DeputyAssignment(models.Model):
    """Who may take whose step (代決).

    Either for a role of a department (``role`` set: "the deputy takes any 係長 step of
    こども政策課") or for one person (``principal`` set: "the deputy takes the steps that
    person would take"). Revoked assignments are kept.
    """

    department = models.CharField(max_length=41)
    role = models.CharField(max_length=20, blank=True)
    principal = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deputy_assignments"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["department", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(role="") & Q(principal__isnull=False))
                | (~Q(role="") & Q(principal__isnull=True)),
                name="approval_deputy_role_or_person",
            )
        ]

    def __str__(self) -> str:
        return f"deputy {self.deputy_id} for {self.principal_id or self.role} ({self.department})"
