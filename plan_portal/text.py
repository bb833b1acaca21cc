"""Text helpers shared by the apps."""

import unicodedata

# Đ/đ is a separate letter, not D with a combining mark, so NFD leaves it alone.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d", "\u00a0": " "})


def normalize_search(text: str) -> str:
    """Fold Vietnamese text for accent- and case-insensitive search.

    "Đo lường" -> "do luong". Used both for the stored search column and for
    the user's query, so both sides are folded the same way on every database.
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.translate(_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


# Unicode text-direction controls: embeddings and overrides (U+202A-202E),
# isolates (U+2066-2069), the left-to-right / right-to-left / Arabic letter
# marks (U+200E, U+200F, U+061C). A right-to-left override in a note would
# display the rest of a line backwards ("trojan source"); Vietnamese text never
# needs them, so the weekly report and its e-mails drop them.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_DROP_BIDI = str.maketrans(dict.fromkeys(BIDI_CONTROLS))


def strip_bidi_controls(text: str) -> str:
    """The text without any text-direction control character."""
    return text.translate(_DROP_BIDI) if text else text


def strip_bidi_controls_deep(value):
    """`strip_bidi_controls` on every string inside nested dicts and lists (a report snapshot)."""
    if isinstance(value, str):
        return strip_bidi_controls(value)
    if isinstance(value, dict):
        return {key: strip_bidi_controls_deep(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [strip_bidi_controls_deep(item) for item in value]
    return value
