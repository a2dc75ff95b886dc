"""PDF of a printable page, drawn by WeasyPrint from the page's own HTML.

WeasyPrint needs the Pango library from the system (Debian: libpango-1.0-0, installed
with chromium and by `.ci/run`) and a CJK font for Chinese (fonts-noto-cjk). Without
Pango the import fails: the page then says so instead of offering a broken file.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _


class PdfUnavailable(RuntimeError):
    pass


def pdf_bytes(html: str) -> bytes:
    """The PDF of a self-contained page (no links to fetch: nothing leaves the server)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as error:  # OSError: the Pango library is missing
        raise PdfUnavailable(
            _("PDF is not available on this server: %(reason)s") % {"reason": error}
        ) from error
    return HTML(string=html).write_pdf()


def pdf_response(html: str, file_name: str) -> HttpResponse:
    response = HttpResponse(pdf_bytes(html), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, file_name)
    return response
