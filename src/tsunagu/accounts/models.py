"""Residents: the people who apply. Staff accounts come with the back office."""

from __future__ import annotations

import uuid

from django.db import models


class Gender(models.TextChoices):
    MALE = "male", "男性"
    FEMALE = "female", "女性"
    UNKNOWN = "unknown", "回答なし"


class Resident(models.Model):
    """A resident as known through one authentication plugin.

    ``provider`` + ``subject`` is the stable key (the OpenID ``sub`` for the My Number
    Card login). The 4情報 (氏名, 住所, 生年月日, 性別) come from the login when it verifies
    them; ``verified_fields`` lists which ones, so forms show them as verified and locked.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    provider = models.CharField(max_length=40)
    subject = models.CharField(max_length=255)
    name_sei = models.CharField("氏", max_length=60)
    name_mei = models.CharField("名", max_length=60)
    kana_sei = models.CharField("氏（フリガナ）", max_length=60, blank=True)
    kana_mei = models.CharField("名（フリガナ）", max_length=60, blank=True)
    birth_date = models.DateField("生年月日", null=True, blank=True)
    gender = models.CharField("性別", max_length=10, choices=Gender.choices, default=Gender.UNKNOWN)
    postal_code = models.CharField("郵便番号", max_length=7, blank=True)
    address = models.CharField("住所", max_length=200, blank=True)
    address_building = models.CharField("方書", max_length=200, blank=True)
    phone = models.CharField("電話番号", max_length=20, blank=True)
    email = models.EmailField("メールアドレス", blank=True)
    verified_fields = models.JSONField(default=list, blank=True)
    # Raised by "log out everywhere": every session of an older generation ends.
    session_generation = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="resident_identity")
        ]

    def __str__(self) -> str:
        return f"{self.name_sei} {self.name_mei}"

    @property
    def full_name(self) -> str:
        return f"{self.name_sei}　{self.name_mei}"


# Staff profiles live in their own module; imported here so Django registers the model.
from tsunagu.accounts.staff_models import StaffProfile, StaffRole  # noqa: E402

__all__ = ["Gender", "Resident", "StaffProfile", "StaffRole"]
