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
