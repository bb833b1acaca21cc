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


def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFD", ch.translate(_EXTRA))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def highlight_ranges(text: str, query: str) -> list[tuple[int, int]]:
    """Where the words of `query` occur in `text`, folded as normalize_search folds them:
    (start, end) ranges of `text`, merged and in order. "do luong" finds "Đo lường"."""
    words = normalize_search(query).split()
    if not text or not words:
        return []
    folded, origin = [], []  # origin[k]: index in text of folded character k
    for index, ch in enumerate(text):
        for f in _fold_char(ch):
            folded.append(f)
            origin.append(index)
    haystack = "".join(folded)
    ranges = []
    for word in words:
        start = haystack.find(word)
        while start != -1:
            ranges.append((origin[start], origin[start + len(word) - 1] + 1))
            start = haystack.find(word, start + len(word))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
