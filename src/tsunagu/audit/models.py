"""The audit log: append-only events linked by a SHA-256 hash chain, and the chain's head.

Rows are written only by ``tsunagu.audit.services.audit_record``. The ORM refuses to change
or delete them (``AuditImmutableError``); on PostgreSQL database triggers refuse it too
(migration 0002), and in production the application's database user should hold only
INSERT and SELECT on ``audit_auditevent`` (see the app's README.md).
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagu.audit.chain import GENESIS_HASH, HASHED_FIELDS, compute_hash
from tsunagu.audit.exceptions import AuditImmutableError

HEAD_ID = 1


class ActorType(models.TextChoices):
    RESIDENT = "resident", _("住民")
    STAFF = "staff", _("職員")
    SYSTEM = "system", _("システム")
    ANONYMOUS = "anonymous", _("未ログインの利用者")


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Reads only: every bulk write path raises ``AuditImmutableError``."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditImmutableError("audit events cannot be updated")

    def delete(self) -> NoReturn:
        raise AuditImmutableError("audit events cannot be deleted")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditImmutableError("audit events cannot be updated")

    def bulk_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        # Bulk inserts would bypass the chain head; use audit_record().
        raise AuditImmutableError("audit events are appended one at a time by audit_record()")

    def update_or_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditImmutableError("audit events cannot be updated")


class AuditEvent(models.Model):
    """One recorded action. ``seq`` is the position in the chain (1, 2, 3, ... without gaps).

    ``hash`` is the SHA-256 of the canonical serialisation of all other fields
    (``tsunagu.audit.chain``), ``prev_hash`` the ``hash`` of event ``seq - 1``.
    """

    seq = models.BigIntegerField(primary_key=True)
    occurred_at = models.DateTimeField(_("日時"))
    actor_type = models.CharField(_("操作者の種別"), max_length=16, choices=ActorType.choices)
    actor_id = models.CharField(_("操作者ID"), max_length=64, blank=True)
    actor_label = models.CharField(_("操作者"), max_length=200, blank=True)
    role = models.CharField(_("役割"), max_length=64, blank=True)
    action = models.CharField(_("操作"), max_length=100)
    obj_type = models.CharField(_("対象の種別"), max_length=64, blank=True)
    obj_id = models.CharField(_("対象ID"), max_length=64, blank=True)
    summary = models.JSONField(_("変更の概要"), default=dict, blank=True)
    request_id = models.CharField(_("リクエストID"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("IPアドレス"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("監査イベント")
        verbose_name_plural = _("監査イベント")
        indexes = [
            models.Index(fields=["obj_type", "obj_id", "seq"], name="audit_event_object"),
            models.Index(fields=["actor_type", "actor_id", "seq"], name="audit_event_actor"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if (
            not self._state.adding
            or kwargs.get("force_update")
            or kwargs.get("update_fields") is not None
        ):
            raise AuditImmutableError(f"audit event {self.seq} is already recorded")
        kwargs["force_insert"] = True  # never an UPDATE, not even a probing one
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditImmutableError(f"audit event {self.seq} cannot be deleted")

    def hashed_values(self) -> dict[str, Any]:
        """The field values the hash covers, keyed by field name."""
        return {name: getattr(self, name) for name in HASHED_FIELDS}

    def compute_hash(self) -> str:
        """The hash these field values should have (compare with ``hash``)."""
        return compute_hash(self.hashed_values())


class AuditHead(models.Model):
    """The single row naming the last event of the chain.

    Appending locks this row (``select_for_update``), so concurrent writers queue instead of
    forking the chain, and it lets ``audit_verify`` notice events removed from the end.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=HEAD_ID)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=HEAD_ID), name="audit_head_single_row")
        ]

    def __str__(self) -> str:
        return f"head #{self.seq}"
