"""Constants shared across the sheet package."""

from __future__ import annotations

from collections.abc import Callable

# The language of the sheets themselves (headers, vocabularies): the file format of
# spreadsheets.md, whatever language the admin is shown in.
SHEET_LANGUAGE = "zh-hans"
LIST_JOINER = "、"
FORMULA_PREFIXES = ("=", "+", "-", "@")

# Rows per ``__in`` lookup and per bulk write: well under every database's limit on
# query parameters, and large enough that round trips do not dominate.
LOOKUP_CHUNK = 5000
PROGRESS_EVERY = 2000

Progress = Callable[[str, int, int], None]
