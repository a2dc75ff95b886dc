"""Every string a user reads has a Simplified Chinese translation, compiled."""

import gettext
import re
from pathlib import Path

from django.conf import settings

CATALOG = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def po_entries() -> list[tuple[str, str, bool]]:
    text = (CATALOG / "django.po").read_text(encoding="utf-8")
    entries = []
    for block in text.split("\n\n"):
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in block.splitlines())
        msgid = "".join(re.findall(r'^(?:msgid )?"(.*)"$', block.split("msgstr")[0], re.M))
        strs = re.findall(r'^msgstr(?:\[0\])? "(.*)"$', block, re.M)
        continuation = re.findall(r'^"(.*)"$', block.split("msgstr", 1)[-1], re.M)
        msgstr = "".join(strs + continuation)
        if msgid:
            entries.append((msgid, msgstr, fuzzy))
    return entries


def test_every_source_string_is_translated():
    untranslated = [msgid for msgid, msgstr, fuzzy in po_entries() if not msgstr or fuzzy]

    assert untranslated == []


def test_compiled_catalog_matches_the_po_file():
    with open(CATALOG / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)

    stale = [
        msgid
        for msgid, _msgstr, _fuzzy in po_entries()
        if "\\" not in msgid and compiled.gettext(msgid) == msgid
    ]
    assert stale == []
