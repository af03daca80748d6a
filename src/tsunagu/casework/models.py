"""The back office's records: cases, their status history and notes.

A case holds the *id* of the front office's application, not a foreign key. The back
office reads applications only through ``applications.selectors`` and changes them only
through ``applications.services``; with a plain UUID it keeps doing so unchanged when the
front office (Internet side) and the back office (LGWAN side) become separate deployments
with separate databases (see DESIGN, "The main flow"), and this app's migrations never
depend on the front office's tables. What staff need of the application is frozen into
``Case.submitted`` at the hand-off.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    RECEIVED = "received", _("受付")
    IN_REVIEW = "in_review", _("審査中")
    CORRECTION = "correction", _("補正依頼中")
    CORRECTED = "corrected", _("補正済")
    APPROVING = "approving", _("決裁中")
    APPROVED = "approved", _("承認")
    REJECTED = "rejected", _("却下")
    NOTIFIED = "notified", _("通知済")
    COMPLETED = "completed", _("完了")
    WITHDRAWN = "withdrawn", _("取下げ")


# Statuses in which the case is still being processed (the deadline clock matters).
OPEN_CASE_STATUSES: tuple[str, ...] = (
    CaseStatus.RECEIVED,
    CaseStatus.IN_REVIEW,
    CaseStatus.CORRECTION,
    CaseStatus.CORRECTED,
    CaseStatus.APPROVING,
)


# What the inbox filters and sorts name-search matches by, carried in the search indexes,
# with their (default) PostgreSQL operator classes.
_SEARCH_COVERED = ["status", "due_date", "submitted_at", "id"]
_SEARCH_COVERED_OPS = ["varchar_ops", "date_ops", "timestamptz_ops", "uuid_ops"]


class Case(models.Model):
    """One submitted application being processed by the city: the system of record."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The front office's Application.pk (not a foreign key: see the module docstring).
    application_id = models.UUIDField(unique=True, editable=False)
    receipt_number = models.CharField(max_length=40, unique=True)
    procedure_code = models.CharField(max_length=63)
    procedure_version = models.PositiveIntegerField()
    department = models.CharField(max_length=41)
    channel = models.CharField(max_length=10, default="online")
    status = models.CharField(
        max_length=20, choices=CaseStatus.choices, default=CaseStatus.RECEIVED
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
    )
    submitted_at = models.DateTimeField()
    # Working days of 標準処理期間 from the pinned definition; None when it sets none.
    processing_days = models.PositiveIntegerField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    # Working days during which the clock stood still (pending 補正依頼).
    paused_days = models.PositiveIntegerField(default=0)
    correction_since = models.DateField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The applicant as the inbox shows and searches them, filled once at the hand-off from
    # the answers (see ``handoff.applicant_names``): denormalised so that a name search is
    # one indexed prefix scan instead of a walk through every case's JSON.
    applicant_name = models.CharField(max_length=100, blank=True)  # 常陸 花子
    applicant_kana = models.CharField(max_length=100, blank=True)  # ヒタチ　ハナコ
    # Search forms, matched by prefix (family name, or family and given name): NFKC without
    # spaces, kana in katakana: "常陸花子", "ヒタチハナコ" (see ``casework.search``).
    search_name = models.CharField(max_length=100, blank=True)
    search_kana = models.CharField(max_length=100, blank=True)
    # The hand-off payload exactly as received: immutable after creation.
    submitted = models.JSONField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # The inbox: a department's cases of one status, soonest deadline first.
            models.Index(fields=["department", "status", "due_date"], name="case_inbox"),
            models.Index(fields=["assignee", "status", "due_date"], name="case_assignee"),
            # Every case of a department in deadline order (the "all statuses" view).
            models.Index(fields=["department", "due_date"], name="case_department_due"),
            # Sorted by submission (受付が新しい順 / 古い順), either direction.
            models.Index(
                fields=["department", "submitted_at", "id"], name="case_department_submitted"
            ),
            # The default inbox, every open status: only open cases are in this index, so
            # the deadline-ordered walk never steps over the years of closed cases.
            models.Index(
                fields=["department", "due_date", "submitted_at", "id"],
                condition=models.Q(status__in=OPEN_CASE_STATUSES),
                name="case_open_due",
            ),
            # Name search: LIKE 'prefix%' within one department. The pattern operator
            # classes let PostgreSQL use the index whatever the collation (SQLite ignores
            # them); the trailing columns let the selector filter and sort the matches
            # from the index alone (key columns, not INCLUDE, which SQLite lacks).
            models.Index(
                fields=["department", "search_name", *_SEARCH_COVERED],
                name="case_search_name",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", *_SEARCH_COVERED_OPS],
            ),
            models.Index(
                fields=["department", "search_kana", *_SEARCH_COVERED],
                name="case_search_kana",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", *_SEARCH_COVERED_OPS],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_number} {self.status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            fields = kwargs.get("update_fields")
            if fields is None or "submitted" in fields:
                stored = type(self).objects.filter(pk=self.pk).values_list("submitted", flat=True)
                if stored and stored[0] != self.submitted:
                    raise ValueError("a case's submitted application is immutable")
        super().save(*args, **kwargs)


class CaseStatusChange(models.Model):
    """One step of a case's history: who moved it from which status to which, and why."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="history")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField()
    from_status = models.CharField(max_length=20, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=CaseStatus.choices)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.from_status}->{self.to_status}"


class CaseNote(models.Model):
    """A staff note on a case (internal: never shown to the resident)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"note {self.pk} on {self.case_id}"
