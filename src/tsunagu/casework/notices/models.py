"""Notices issued by the city: the signed PDF of a decision, kept as the record."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


def notice_path(instance: Notice, filename: str) -> str:
    # Random name: the stored path never carries the resident's name.
    return f"notices/{instance.case_id}/{uuid.uuid4().hex}.pdf"


class Notice(models.Model):
    """One signed notice (決定通知書, 却下通知書 or 罹災証明書) of a case.

    The file is kept exactly as signed; ``sha256`` pins it. ``document_id`` is the
    front office's ``ApplicationDocument`` (a plain UUID, as ``Case.application_id``).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(max_length=10)
    title = models.CharField(max_length=200)
    document_number = models.CharField(max_length=60, unique=True)
    file = models.FileField(upload_to=notice_path, max_length=200)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    signer = models.CharField(max_length=400)
    demo_seal = models.BooleanField(default=False)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    document_id = models.UUIDField(null=True, editable=False)

    class Meta:
        ordering = ["issued_at", "pk"]
        constraints = [
            # One notice per decision: a double click or two members of staff at once
            # cannot issue two.
            models.UniqueConstraint(fields=["case"], name="notice_one_per_case"),
        ]

    def __str__(self) -> str:
        return f"{self.document_number} {self.title}"


class NoticeSequence(models.Model):
    """One counter of document numbers per calendar year."""

    year = models.PositiveIntegerField(primary_key=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.value}"
