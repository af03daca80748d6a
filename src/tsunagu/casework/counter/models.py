"""書かない窓口: a resident's visit to the counter, and the applications started in it.

A clerk identifies the resident (the document is recorded, never copied), fills one or
more procedures from the same definitions and with the same checks as online, and the
resident confirms the answers on a second screen or on a printed summary. The
applications then enter the same pipeline, marked as counter applications.

Like ``Case``, a visit holds the front office's ids (resident, drafts, applications) as
plain UUIDs: the back office reads and changes the front office only through its
selectors and services.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdentityDocument(models.TextChoices):
    MY_NUMBER_CARD = "my_number_card", _("マイナンバーカード")
    DRIVING_LICENCE = "driving_licence", _("運転免許証")
    PASSPORT = "passport", _("旅券（パスポート）")
    RESIDENCE_CARD = "residence_card", _("在留カード・特別永住者証明書")
    DISABILITY_BOOK = "disability_book", _("身体障害者手帳など顔写真付きの手帳")
    TWO_DOCUMENTS = "two_documents", _("顔写真のない書類2点（資格確認書、年金手帳など）")


class Confirmation(models.TextChoices):
    SCREEN = "screen", _("お客様用の画面で確認")
    PAPER = "paper", _("印刷した確認書に署名")


class CounterVisit(models.Model):
    """One resident at the counter, with the clerk who served them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The clerk's department at the time: colleagues there may continue the visit.
    department = models.CharField(max_length=41)
    resident_id = models.UUIDField()
    identity_document = models.CharField(max_length=30, choices=IdentityDocument.choices)
    # What the clerk noted to find the document again (e.g. the last four digits of the
    # licence number); never a copy of the document and never a 個人番号.
    identity_note = models.CharField(max_length=60, blank=True)
    life_event = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmation = models.CharField(max_length=10, choices=Confirmation.choices, blank=True)

    class Meta:
        indexes = [models.Index(fields=["department", "-created_at"], name="counter_recent")]

    def __str__(self) -> str:
        return f"counter visit {self.pk}"


class CounterItem(models.Model):
    """One procedure of a visit: its draft, then its application."""

    visit = models.ForeignKey(CounterVisit, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    procedure_code = models.CharField(max_length=63)
    draft_id = models.UUIDField()
    application_id = models.UUIDField(null=True, blank=True)
    receipt_number = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "procedure_code"], name="counter_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.procedure_code} in {self.visit_id}"
