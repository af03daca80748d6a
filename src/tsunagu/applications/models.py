"""The front office's records: drafts, submitted applications, files, the hand-off outbox
and the anonymous completion funnel."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.models import Resident


class Channel(models.TextChoices):
    ONLINE = "online", _("オンライン")
    COUNTER = "counter", _("窓口")


class Draft(models.Model):
    """An application being filled in. Pinned to one definition version at start."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="drafts")
    procedure_code = models.CharField(max_length=63)
    procedure_version = models.PositiveIntegerField()
    answers = models.JSONField(default=dict)
    completed_steps = models.JSONField(default=list)
    # Pages of the form this journey has seen (for the funnel).
    visited_steps = models.JSONField(default=list)
    later_attachments = models.JSONField(default=list)
    # Receipt number of the previous application whose answers were copied in, if any.
    prefilled_from = models.CharField(max_length=40, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    # Anonymous id for the completion funnel (not linked to the resident there).
    journey = models.UUIDField(default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Set when the resident ticked the declaration on the check page of a procedure that is
    # then signed: the signing page submits only a draft unchanged since.
    declared_at = models.DateTimeField(null=True, blank=True)
    confirm_duplicate = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["resident", "submitted_at", "-updated_at"])]

    def __str__(self) -> str:
        return f"draft {self.procedure_code} {self.pk}"


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("受付")
    IN_REVIEW = "in_review", _("審査中")
    CORRECTION = "correction", _("補正依頼中")
    CORRECTED = "corrected", _("補正済")
    APPROVING = "approving", _("決裁中")
    APPROVED = "approved", _("承認")
    REJECTED = "rejected", _("却下")
    NOTIFIED = "notified", _("通知済")
    COMPLETED = "completed", _("完了")
    WITHDRAWN = "withdrawn", _("取下げ")


OPEN_STATUSES = (
    Status.SUBMITTED,
    Status.IN_REVIEW,
    Status.CORRECTION,
    Status.CORRECTED,
    Status.APPROVING,
)
# Before processing starts the resident may withdraw on their own.
WITHDRAWABLE_STATUSES = (Status.SUBMITTED,)


class Application(models.Model):
    """A submitted application: answers frozen as submitted, with the pinned version."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    draft = models.OneToOneField(Draft, on_delete=models.PROTECT, related_name="application")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="applications")
    receipt_number = models.CharField(max_length=40, unique=True)
    procedure_code = models.CharField(max_length=63)
    procedure_version = models.PositiveIntegerField()
    answers = models.JSONField()
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    period_key = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    # Another open application for the same procedure and period existed at submission.
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    later_attachments = models.JSONField(default=list)
    # The language the resident used, so that mail about this application speaks it too.
    language = models.CharField(max_length=10, default="ja")
    submitted_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdraw_reason = models.CharField(max_length=400, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["resident", "-submitted_at"]),
            models.Index(fields=["resident", "procedure_code", "period_key"]),
        ]

    def __str__(self) -> str:
        return self.receipt_number


class ApplicationSignature(models.Model):
    """The resident's electronic signature of the application, and what verifying it found.

    Kept with the application for staff: the signed bytes' hash, the signature, the
    signing certificate and chain, the verification result and any difference between
    the certificate's 4情報 and the applicant's answers.
    """

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="signature"
    )
    data_sha256 = models.CharField(max_length=64)
    signature = models.BinaryField()
    certificate = models.BinaryField()
    intermediates = models.JSONField(default=list)
    verification = models.JSONField()
    mismatches = models.JSONField(default=list)
    valid = models.BooleanField()
    signed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"signature of {self.application_id} valid={self.valid}"


class StatusChange(models.Model):
    """What the resident sees of the history of their application."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(max_length=20, choices=Status.choices)
    at = models.DateTimeField()
    note = models.CharField(max_length=400, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.status} {self.at:%Y-%m-%d %H:%M}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # Random path: the stored name never carries the resident's file name.
    return f"attachments/{instance.draft_id}/{uuid.uuid4().hex}{filename[filename.rfind('.') :]}"


class ResidentFile(models.Model):
    """What is kept of a file a resident uploaded; the subclass owns the file and says
    what it belongs to."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slot = models.CharField(max_length=40)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=80)
    kind = models.CharField(max_length=10)
    converted_from = models.CharField(max_length=10, blank=True)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.slot}: {self.original_name}"


class Attachment(ResidentFile):
    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)


class HandoffOutbox(models.Model):
    """Written with the application in one transaction; the back office takes from it."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    taken_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["taken_at", "created_at"])]

    def __str__(self) -> str:
        return f"outbox {self.application_id} taken={self.taken_at is not None}"


class ReceiptSequence(models.Model):
    """One counter per year for 受付番号."""

    year = models.PositiveIntegerField(primary_key=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.value}"


class FunnelEvent(models.Model):
    """A step of the completion funnel: no personal data, only the anonymous journey."""

    class Kind(models.TextChoices):
        START = "start", "開始"
        ENTER = "enter", "表示"
        LEAVE = "leave", "完了"
        SUBMIT = "submit", "申請"
        ABANDON = "abandon", "中止"

    procedure_code = models.CharField(max_length=63)
    procedure_version = models.PositiveIntegerField()
    step = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    journey = models.UUIDField()
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["procedure_code", "kind"])]

    def __str__(self) -> str:
        return f"{self.procedure_code} {self.step} {self.kind}"


def document_path(instance: ApplicationDocument, filename: str) -> str:
    return (
        f"documents/{instance.application_id}/{uuid.uuid4().hex}{filename[filename.rfind('.') :]}"
    )


class ApplicationDocument(models.Model):
    """A document the city issued about an application (a decision notice, a certificate),
    delivered by the back office through ``applications.services`` for the resident to
    download from their page. The file is stored as delivered; ``sha256`` pins it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=document_path, max_length=200)
    content_type = models.CharField(max_length=80, default="application/pdf")
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    issued_at = models.DateTimeField()
    first_downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["issued_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.title}"


class ApplicationCorrection(models.Model):
    """One round of 補正: what the city asked the resident to correct, and the answer.

    Opened by the back office (through ``applications.corrections``) on a submitted
    application. The resident may change only ``fields`` (top-level field ids of the
    pinned definition) and ``attachment_slots``. Both versions stay stored: the answers
    and files before the round, and after it once answered; ``Application.answers`` keeps
    what was first submitted. Files are listed as snapshots ``{"id", "source", "slot",
    "name", "sha256", "size", "content_type"}`` where ``source`` is ``"attachment"``
    (an ``Attachment`` of the original draft) or ``"correction"`` (a ``CorrectionFile``).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="corrections"
    )
    # 1, 2, ... per application (the round's number in the back office's URLs).
    number = models.PositiveIntegerField()
    fields = models.JSONField(default=list)
    attachment_slots = models.JSONField(default=list)
    message = models.TextField()
    due_date = models.DateField(null=True, blank=True)
    requested_at = models.DateTimeField()
    answers_before = models.JSONField()
    attachments_before = models.JSONField(default=list)
    # The resident's work in progress: answers of the named fields, and the ids of the
    # earlier files they chose to leave out (never deleted: the earlier version keeps them).
    pending_answers = models.JSONField(default=dict)
    removed_files = models.JSONField(default=list)
    # Set when the resident ticked the declaration of a round that is then signed: the
    # signing page resubmits only a round unchanged since (as ``Draft.declared_at``).
    declared_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answers_after = models.JSONField(null=True, blank=True)
    attachments_after = models.JSONField(null=True, blank=True)
    # Set when the back office has taken the answer (the pull is idempotent on it).
    taken_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "number"], name="application_correction_number"
            )
        ]
        indexes = [models.Index(fields=["answered_at", "taken_at"])]

    def __str__(self) -> str:
        return f"correction {self.number} of {self.application_id}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


def correction_file_path(instance: CorrectionFile, filename: str) -> str:
    # Random path: the stored name never carries the resident's file name.
    return (
        f"corrections/{instance.correction_id}/{uuid.uuid4().hex}{filename[filename.rfind('.') :]}"
    )


class CorrectionFile(ResidentFile):
    """A file the resident attached while answering a correction."""

    correction = models.ForeignKey(
        ApplicationCorrection, on_delete=models.PROTECT, related_name="files"
    )
    file = models.FileField(upload_to=correction_file_path, max_length=200)


class CorrectionSignature(models.Model):
    """The resident's electronic signature of the corrected version of an application,
    and what verifying it found (as ``ApplicationSignature`` for the first version)."""

    correction = models.OneToOneField(
        ApplicationCorrection, on_delete=models.PROTECT, related_name="signature"
    )
    data_sha256 = models.CharField(max_length=64)
    signature = models.BinaryField()
    certificate = models.BinaryField()
    intermediates = models.JSONField(default=list)
    verification = models.JSONField()
    mismatches = models.JSONField(default=list)
    valid = models.BooleanField()
    signed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"signature of correction {self.correction_id} valid={self.valid}"
