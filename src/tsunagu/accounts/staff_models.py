"""Staff: Django users with a profile giving their department, role and second factor."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Additional data bound into the TOTP secret's encryption: a token sealed for one purpose
# (e.g. a 個人番号) cannot be swapped in as a TOTP secret, and vice versa.
TOTP_SECRET_AAD = b"tsunagu.staff.totp"


class StaffRole(models.TextChoices):
    CLERK = "clerk", _("担当者")
    CHIEF = "chief", _("係長")
    SECTION_HEAD = "section_head", _("課長")
    DIRECTOR = "director", _("部長")
    ADMIN = "admin", _("管理者")
    AUDITOR = "auditor", _("監査")


class StaffProfile(models.Model):
    """What makes a Django user a member of staff.

    ``totp_secret`` is an ``enc:v1:`` token (``tsunagu.core.crypto``, aad
    ``TOTP_SECRET_AAD``); ``totp_last_step`` is the last accepted time step, so a code is
    never accepted twice. ``recovery_codes`` holds salted SHA-256 hashes of the unused
    one-time recovery codes. ``failed_attempts`` counts failed password or code entries
    since the last successful login; reaching the limit sets ``locked_until``.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    department = models.CharField("所属課", max_length=41)
    role = models.CharField("役割", max_length=20, choices=StaffRole.choices)
    totp_secret = models.TextField(blank=True)
    totp_confirmed = models.BooleanField(default=False)
    totp_last_step = models.BigIntegerField(null=True, blank=True)
    recovery_codes = models.JSONField(default=list, blank=True)
    failed_attempts = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["department", "role"], name="staff_department_role")]

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.department} {self.role})"
