"""Records of exports to core systems: each run, and each case it carried.

A case goes to a target once: ``ExportedCase`` has at most one first export per (target,
case), enforced by the database. A deliberate re-export adds a record with ``reexport``
set and a reason. The file of a run is kept encrypted (it can hold 個人番号 in clear) so
that staff can download it again; its SHA-256 is that of the file as delivered.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    JSON = "json", "JSON"
    ZIP = "zip", _("ZIP（CSV・JSON・添付ファイル）")


class ExportEncoding(models.TextChoices):
    UTF8_BOM = "utf-8-sig", _("UTF-8（BOM付き）")
    CP932 = "cp932", _("Shift_JIS（CP932）")
    # JSON is UTF-8 without a BOM whatever was chosen for the CSV (RFC 8259).
    UTF8 = "utf-8", _("UTF-8")


class ExportRun(models.Model):
    """One export file: what was exported, for which system, by whom, and its hash."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    target = models.CharField(max_length=63)
    procedure_code = models.CharField(max_length=63)
    format = models.CharField(max_length=10, choices=ExportFormat.choices)
    encoding = models.CharField(max_length=10, choices=ExportEncoding.choices)
    # None: the nightly command (the system).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    case_count = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    filename = models.CharField(max_length=200)
    # The encrypted file (see ``casework.exports.storage``).
    file = models.FileField(upload_to="exports/", max_length=200)
    my_number_included = models.BooleanField(default=False)
    reexport = models.BooleanField(default=False)
    reexport_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reexports"
    )
    reason = models.TextField(blank=True)
    # Characters the chosen encoding cannot hold: [{receipt_number, column, char,
    # codepoint, action}], action "held" (row left for later) or "substituted" (〓).
    encoding_problems = models.JSONField(default=list)

    class Meta:
        ordering = ["-created_at", "pk"]
        indexes = [
            models.Index(fields=["procedure_code", "-created_at"], name="export_run_procedure")
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.procedure_code} {self.created_at:%Y-%m-%d %H:%M}"


class ExportedCase(models.Model):
    """One case in one run. The first export of a case to a target is unique."""

    run = models.ForeignKey(ExportRun, on_delete=models.PROTECT, related_name="cases")
    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, related_name="+")
    target = models.CharField(max_length=63)
    reexport = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["target", "case"],
                condition=Q(reexport=False),
                name="export_once_per_target",
            )
        ]
        indexes = [models.Index(fields=["case", "target"], name="exported_case_case")]

    def __str__(self) -> str:
        return f"{self.case_id} -> {self.target}"
