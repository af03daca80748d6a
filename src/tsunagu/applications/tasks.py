"""Background tasks of the front office (``django.tasks``; backend from configuration)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tsunagu.applications.models import Application
from tsunagu.core.fieldtypes import reading_lang
from tsunagu.procedures.selectors import procedure_version_get


def mail_resident(
    app: Application,
    *,
    template: str,
    subject: str,
    context: Callable[[], dict[str, Any]] | None = None,
) -> bool:
    """Mail the applicant of ``app`` in the language they applied in: ``template`` is
    rendered with ``app``, the city and ``context()`` (called in that language), and
    ``subject`` is a message id formatted with the city's name and the receipt number.
    Returns False when the resident has no address."""
    if not app.resident.email:
        return False
    with translation.override(app.language or "ja"):
        names = settings.TSUNAGU_CITY
        city = names["name_en"] if reading_lang() == "en" else names["name_ja"]
        extra = context() if context is not None else {}
        body = render_to_string(template, {"app": app, "city": names, "city_name": city, **extra})
        text = _(subject) % {"city": city, "number": app.receipt_number}
    send_mail(
        subject=text,
        message=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[app.resident.email],
    )
    return True


@task()
def send_submission_email(application_id: str) -> bool:
    """Send the confirmation mail of a submission. Idempotent per application: a retry
    after a crash may resend, never corrupt; returns False when there is no address."""
    app = Application.objects.select_related("resident").filter(pk=application_id).first()
    if app is None:
        return False
    proc = procedure_version_get(code=app.procedure_code, version=app.procedure_version)
    return mail_resident(
        app,
        template="applications/email/submitted.txt",
        subject=gettext_noop("【%(city)s】申請を受け付けました（受付番号 %(number)s）"),
        context=lambda: {"proc": proc},
    )


@task()
def crl_refresh_task() -> list[str]:
    """Refresh the JPKI revocation lists (see ``applications.crl``); returns problems."""
    from tsunagu.applications.crl import crl_refresh

    return crl_refresh()
