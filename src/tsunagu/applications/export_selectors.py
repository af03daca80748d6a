"""Reads of the front office for the back office's exports to core systems.

The back office never opens the front office's models; an export that ships the residents'
files goes through this module (locally a read of the storage, later the pull API).
"""

from __future__ import annotations

import hashlib
import uuid

from django.http import Http404

from tsunagu.applications.models import Attachment, CorrectionFile


class AttachmentIntegrityError(Exception):
    """A stored file no longer matches the SHA-256 recorded when it was uploaded."""


def attachment_content_for_export(
    *, application_id: uuid.UUID | str, attachment_id: str, source: str = "attachment"
) -> bytes:
    """The bytes of one file of a submitted application, checked against its SHA-256.

    ``source`` is ``attachment`` for a file of the submission, ``correction`` for one the
    resident attached while answering a correction (補正; see ``case_current_attachments``).

    Raises ``Http404`` when the file is not one of that application's, and
    ``AttachmentIntegrityError`` when its content changed since the upload.

    >>> attachment_content_for_export(application_id=case.application_id,
    ...                               attachment_id=att["id"])  # doctest: +SKIP
    b'%PDF-1.4...'
    """
    att: Attachment | CorrectionFile
    try:
        if source == "correction":
            att = CorrectionFile.objects.get(
                pk=uuid.UUID(str(attachment_id)),
                correction__application__pk=uuid.UUID(str(application_id)),
            )
        else:
            att = Attachment.objects.get(
                pk=uuid.UUID(str(attachment_id)),
                draft__application__pk=uuid.UUID(str(application_id)),
            )
    except (Attachment.DoesNotExist, CorrectionFile.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    with att.file.open("rb") as fh:
        data: bytes = fh.read()
    if hashlib.sha256(data).hexdigest() != att.sha256:
        raise AttachmentIntegrityError(f"attachment {att.pk} does not match its SHA-256")
    return data
