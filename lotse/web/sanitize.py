"""What people type, made safe to pass on: no control characters, no bidi overrides.

Texts go to Rasa (and from there into the tracker store and hand-offs that counsellors read).
Control characters (NUL breaks PostgreSQL text columns), lone UTF-16 surrogates (not encodable
as UTF-8: the request to Rasa would fail) and bidi embeddings, overrides and isolates (they make
stored text display differently from what it is) are removed or replaced. Line breaks, tabs,
the direction marks U+200E/U+200F/U+061C and zero-width joiners stay: real writing uses them.
"""

from __future__ import annotations

import re
import unicodedata

#: Bidi embeddings/overrides (U+202A–U+202E) and isolates (U+2066–U+2069).
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
#: Control characters kept (after line endings are made "\n").
KEPT_CONTROLS = frozenset("\n\t")


def clean_text(text: str) -> str:
    """`text` without control characters and bidi controls, lone surrogates as U+FFFD."""
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = BIDI_CONTROLS.sub("", text)
    return "".join(ch for ch in text if ch in KEPT_CONTROLS or unicodedata.category(ch) != "Cc")
