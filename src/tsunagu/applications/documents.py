"""Documents the city issues about an application (決定通知書, 罹災証明書): delivery by the
back office, the resident's download, and the mail that tells them one arrived.

The back office calls ``application_document_add`` as it calls ``application_status_set``
(the back office knows the front office, never the other way round); the front office
keeps its own copy of the file, so that the two sides can later run apart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext_noop

from tsunagu.accounts.models import Resident
from tsunagu.applications.models import Application, ApplicationDocument
from tsunagu.applications.tasks import mail_resident
from tsunagu.audit.services import audit_record


def _uuid(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise Http404 from None


@transaction.atomic
def application_document_add(
    *,
    application_id: Any,
    kind: str,
    title: str,
    filename: str,
    content: bytes,
    content_type: str = "application/pdf",
    issued_at: dt.datetime | None = None,
    notify: bool = True,
) -> ApplicationDocument:
    """Deliver a document to the resident's page; with ``notify``, mail them after commit.

    >>> application_document_add(application_id=app.pk, kind="kettei", title="決定通知書",
    ...                          filename="決定通知書.pdf", content=pdf)  # doctest: +SKIP
    <ApplicationDocument: kettei 決定通知書>
    """
    app = Application.objects.get(pk=application_id)
    doc = ApplicationDocument(
        application=app,
        kind=kind,
        title=title,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        issued_at=issued_at or timezone.now(),
    )
    # The stored name is random (document_path); ``filename`` gives only the extension.
    # Should the caller's transaction roll back, the file stays as an orphan under
    # documents/ with no row pointing at it: harmless, and never served.
    doc.file.save(filename, ContentFile(content), save=False)
    doc.save()
    audit_record(
        action="application.document_add",
        obj_type="application",
        obj_id=app.pk,
        summary={"document": str(doc.pk), "kind": kind, "sha256": doc.sha256},
    )
    if notify:
        doc_id = str(doc.pk)
        transaction.on_commit(lambda: send_document_email.enqueue(doc_id))
    return doc


def document_list_for_application(*, application: Application) -> QuerySet[ApplicationDocument]:
    """The documents delivered for ``application``, oldest first."""
    return ApplicationDocument.objects.filter(application=application)


def document_get_for_resident(*, resident: Resident, document_id: object) -> ApplicationDocument:
    """A document of one of the resident's own applications; the same ``Http404`` whether
    it is missing or someone else's."""
    doc = (
        ApplicationDocument.objects.select_related("application")
        .filter(pk=_uuid(document_id), application__resident=resident)
        .first()
    )
    if doc is None:
        raise Http404
    return doc


def document_mark_downloaded(*, document: ApplicationDocument, resident: Resident) -> bool:
    """Record the first download (the notice reached the resident); False if not the first."""
    with transaction.atomic():
        changed = ApplicationDocument.objects.filter(
            pk=document.pk, first_downloaded_at__isnull=True
        ).update(first_downloaded_at=timezone.now())
        if changed:
            audit_record(
                action="application.document_download",
                actor=resident,
                obj_type="application",
                obj_id=document.application_id,
                summary={"document": str(document.pk), "kind": document.kind},
            )
    return bool(changed)


@task()
def send_document_email(document_id: str) -> bool:
    """Tell the resident, in the language they applied in, that a document arrived.

    The mail carries no personal detail of the decision, only where to read it. Returns
    False when there is no address (or no such document).
    """
    doc = (
        ApplicationDocument.objects.select_related("application__resident")
        .filter(pk=document_id)
        .first()
    )
    if doc is None:
        return False
    return mail_resident(
        doc.application,
        template="applications/documents_email.txt",
        subject=gettext_noop("【%(city)s】書類が届きました（受付番号 %(number)s）"),
        context=lambda: {"doc": doc},
    )
