"""PDF of a printable page, drawn by WeasyPrint from the page's own HTML.

WeasyPrint needs the Pango library from the system (Debian: libpango-1.0-0) and a font
that covers Chinese (Debian: fonts-noto-cjk). Without either, a PDF would be missing or
drawn with an empty box for every character: the page says why instead of offering it.
"""

from __future__ import annotations

import functools
import logging

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

# A character every Chinese font has; WeasyPrint logs ".notdef glyph rendered" when the
# fonts fontconfig offers cannot draw it.
_PROBE_TEXT = "困难职工"


class PdfUnavailable(RuntimeError):
    pass


class _NotdefWatcher(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.missing_glyphs = False

    def emit(self, record: logging.LogRecord) -> None:
        if ".notdef" in record.getMessage():
            self.missing_glyphs = True


@functools.cache
def pdf_unavailable_reason() -> str | None:
    """Why this server cannot draw a Chinese PDF, or None when it can.

    Asked once per process (fonts do not change under a running server): a one-line page
    is drawn and WeasyPrint's own warning tells whether any glyph was missing.
    """
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as error:  # OSError: the Pango library is missing
        return _("the Pango library is missing (Debian package libpango-1.0-0): %(error)s") % {
            "error": error
        }
    watcher = _NotdefWatcher()
    weasyprint_logger = logging.getLogger("weasyprint")
    weasyprint_logger.addHandler(watcher)
    try:
        HTML(string=f"<p>{_PROBE_TEXT}</p>").write_pdf()
    finally:
        weasyprint_logger.removeHandler(watcher)
    if watcher.missing_glyphs:
        return _("no installed font can show Chinese (Debian package fonts-noto-cjk)")
    return None


def pdf_bytes(html: str) -> bytes:
    """The PDF of a self-contained page (no links to fetch: nothing leaves the server)."""
    reason = pdf_unavailable_reason()
    if reason:
        raise PdfUnavailable(
            _("PDF is not available on this server: %(reason)s") % {"reason": reason}
        )
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def pdf_response(html: str, file_name: str) -> HttpResponse:
    response = HttpResponse(pdf_bytes(html), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, file_name)
    return response
