"""Pinned procedure versions: every definition version ever used, kept forever.

The YAML catalog is the source for new applications; a submission is validated and
shown against the exact version stored here, so changing a YAML file never changes an
old submission.
"""

from __future__ import annotations

from django.db import models


class ProcedureVersion(models.Model):
    code = models.CharField(max_length=63)
    version = models.PositiveIntegerField()
    definition = models.JSONField()
    sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="procedure_code_version")
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"
