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
