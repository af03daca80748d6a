"""The resident's download of a document the city issued (own applications only)."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.views.decorators.http import require_GET

from tsunagu.accounts.http import ResidentRequest, current_resident
from tsunagu.applications.documents import document_get_for_resident, document_mark_downloaded
from tsunagu.applications.views import resident_required


@resident_required
@require_GET
def document_download(request: ResidentRequest, document_id: Any) -> FileResponse:
    """The document as a download; its name is Japanese (RFC 5987 ``filename*``)."""
    resident = current_resident(request)
    doc = document_get_for_resident(resident=resident, document_id=document_id)
    document_mark_downloaded(document=doc, resident=resident)
    stored = doc.file.name or ""
    extension = stored.rsplit(".", 1)[-1] if "." in stored else "pdf"
    # FileResponse writes a non-ASCII name as filename*=utf-8''… with an ASCII fallback.
    response = FileResponse(
        doc.file.open("rb"),
        content_type=doc.content_type,
        as_attachment=True,
        filename=f"{doc.title}_{doc.application.receipt_number}.{extension}",
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
