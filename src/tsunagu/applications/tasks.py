"""Background tasks of the front office (``django.tasks``; backend from configuration)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from tsunagu.applications.models import Application
from tsunagu.procedures.selectors import procedure_version_get


@task()
def send_submission_email(application_id: str) -> bool:
    """Send the confirmation mail of a submission. Idempotent per application: a retry
    after a crash may resend, never corrupt; returns False when there is no address."""
    app = Application.objects.select_related("resident").filter(pk=application_id).first()
    if app is None or not app.resident.email:
        return False
    proc = procedure_version_get(code=app.procedure_code, version=app.procedure_version)
    with translation.override(app.language or "ja"):
        city = (
            settings.TSUNAGU_CITY["name_en"]
            if translation.get_language() == "en"
            else settings.TSUNAGU_CITY["name_ja"]
        )
        body = render_to_string(
            "applications/email/submitted.txt",
            {"app": app, "proc": proc, "city": settings.TSUNAGU_CITY, "city_name": city},
        )
        subject = _("【%(city)s】申請を受け付けました（受付番号 %(number)s）") % {
            "city": city,
            "number": app.receipt_number,
        }
    send_mail(
        subject=subject,
        message=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[app.resident.email],
    )
    return True


@task()
def crl_refresh_task() -> list[str]:
    """Refresh the JPKI revocation lists (see ``applications.crl``); returns problems."""
    from tsunagu.applications.crl import crl_refresh

    return crl_refresh()
