"""The back office's record of corrections (補正): each round asked of a case, and the
resident's answer as received.

Like ``Case.submitted``, the answer is kept as the payload pulled from the front office
(``applications.selectors.correction_for_backoffice``), not as a foreign key into its
tables: the back office keeps both versions even when the two sides run as separate
deployments with separate databases.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tsunagu.casework.models import Case


class CaseCorrection(models.Model):
    """One round of 補正 on a case: what staff asked, and the answer once received."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="corrections")
    # 1, 2, ... per case: the round's address /staff/cases/<case>/corrections/<number>/.
    number = models.PositiveIntegerField()
    # The front office's ApplicationCorrection.pk (not a foreign key: see above).
    correction_id = models.UUIDField(unique=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    fields = models.JSONField(default=list)
    attachment_slots = models.JSONField(default=list)
    message = models.TextField()
    due_date = models.DateField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    # The answer as pulled: answers and files before and after (immutable once received).
    answer = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="case_correction_number")
        ]

    def __str__(self) -> str:
        return f"correction {self.number} of case {self.case_id}"

    @property
    def is_answered(self) -> bool:
        return self.received_at is not None
