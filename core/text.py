"""Text clean-up shared by ID numbers, sheets and forms."""

import unicodedata

# Invisible characters copied in from web pages or left over from a BOM: a translate()
# table that deletes them.
INVISIBLE_CHARACTERS = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def normalize_text(value: object) -> str:
    """NFKC-normalise (full-width to ASCII), strip and collapse whitespace."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).translate(INVISIBLE_CHARACTERS)
    return " ".join(text.split())
