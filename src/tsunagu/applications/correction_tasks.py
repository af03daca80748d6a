"""Background tasks of corrections (補正): the mails that tell the resident what is asked,
and that their answer arrived."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.tasks import task
from django.urls import reverse
from django.utils.translation import gettext_noop

from tsunagu.applications.correction_diff import field_label, slot_label
from tsunagu.applications.models import ApplicationCorrection
from tsunagu.applications.tasks import mail_resident
from tsunagu.core.fieldtypes import reading_lang
from tsunagu.procedures.selectors import procedure_version_get


def public_url(path: str) -> str:
    """An absolute address on the residents' site, for mail (which has no request).

    ``TSUNAGU_PUBLIC_URL`` (e.g. ``https://shinsei.city.example.jp``) when configured;
    otherwise the first allowed host, as ``make run`` serves it.
    """
    base = str(getattr(settings, "TSUNAGU_PUBLIC_URL", "") or "").rstrip("/")
    if not base:
        host = (settings.ALLOWED_HOSTS or ["127.0.0.1"])[0].lstrip(".")
        if host in {"127.0.0.1", "localhost", "*", ""}:
            base = "http://127.0.0.1:8000"
        else:
            base = f"{'https' if settings.SESSION_COOKIE_SECURE else 'http'}://{host}"
    return base + path


def _send(correction_id: str, template: str, subject: str) -> bool:
    """Render ``template`` for one round in the resident's language and mail it."""
    corr = (
        ApplicationCorrection.objects.select_related("application__resident")
        .filter(pk=correction_id)
        .first()
    )
    if corr is None:
        return False
    app = corr.application
    proc = procedure_version_get(code=app.procedure_code, version=app.procedure_version)

    def context() -> dict[str, Any]:
        reading = reading_lang()
        return {
            "proc": proc,
            "correction": corr,
            "fields": [field_label(proc, f, reading) for f in corr.fields],
            "slots": [slot_label(proc, s, reading) for s in corr.attachment_slots],
            "url": public_url(reverse("applications:detail", kwargs={"application_id": app.pk})),
        }

    return mail_resident(app, template=template, subject=subject, context=context)


@task()
def send_correction_received_email(correction_id: str) -> bool:
    """Confirm to the resident that their corrected application arrived. Returns False
    when there is no address; a retry may resend, never corrupt."""
    return _send(
        correction_id,
        "applications/email/correction_received.txt",
        gettext_noop("【%(city)s】補正を受け付けました（受付番号 %(number)s）"),
    )


@task()
def send_correction_email(correction_id: str) -> bool:
    """Tell the resident that a correction is asked of them, in the language they applied
    in, with what is asked and the link to their application. Returns False when there is
    no address (or the round is gone); a retry may resend, never corrupt."""
    return _send(
        correction_id,
        "applications/email/correction_requested.txt",
        gettext_noop("【%(city)s】申請内容の補正をお願いします（受付番号 %(number)s）"),
    )
