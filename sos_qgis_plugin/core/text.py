"""Text normalisation for case records: NFC storage, accent-insensitive search and Vietnamese sort order."""

from __future__ import annotations

import unicodedata

# Invisible characters that break matching and never carry meaning in a case record. U+200D (zero-width
# joiner) stays because emoji sequences such as family or profession emoji need it.
_INVISIBLE = str.maketrans("", "", "\u200b\ufeff")

# Letters that Unicode does not decompose into a base letter and a mark. U+00D0 (Icelandic eth) looks the
# same as Đ and is typed in its place by some keyboards.
_SEARCH_LETTERS = {"đ": "d", "Đ": "D", "Ð": "D"}

# Vietnamese alphabet order. F, J, W and Z are not Vietnamese letters but occur in names and loan words,
# so they sit where the Latin alphabet puts them.
_ALPHABET = "a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z".split()
_LETTER_RANK = {letter: rank for rank, letter in enumerate(_ALPHABET)}

# Tone marks in dictionary order: level (no mark), grave, hook above, tilde, acute, dot below.
_TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}

# Marks that make a separate letter of the alphabet (ă, â, ê, ô, ơ, ư) rather than a tone.
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}

_ASCII_DIGITS = frozenset("0123456789")


def normalize_text(value: str) -> str:
    """Normalise text for storage: NFC form, no zero-width space (U+200B) or BOM (U+FEFF), stripped.

    Emoji and the zero-width joiner (U+200D) are kept. HTML and other markup are kept literally.
    Raises TypeError when `value` is not a str.
    """
    if not isinstance(value, str):
        raise TypeError(f"normalize_text expects str, got {type(value).__name__}")
    return unicodedata.normalize("NFC", value.translate(_INVISIBLE)).strip()


def fold_for_search(value: str) -> str:
    """Fold text for accent-insensitive search: no diacritics, đ/Đ as d, case-folded, single spaces.

    `fold_for_search("Đông Hòa") == "dong hoa"`, whatever the Unicode normal form of the input.
    """
    decomposed = unicodedata.normalize("NFD", normalize_text(value))
    letters = []
    for char in decomposed:
        if unicodedata.combining(char):
            continue
        letters.append(_SEARCH_LETTERS.get(char, char))
    return " ".join("".join(letters).casefold().split())


def _split_letter(cluster: str) -> tuple[str, int]:
    """Split one NFD base character with its marks into (alphabet letter, tone rank)."""
    base = cluster[0].lower()
    tone = 0
    letter_marks = ""
    for mark in cluster[1:]:
        if mark in _TONE_RANK:
            tone = _TONE_RANK[mark]
        elif mark in _LETTER_MARKS:
            letter_marks += mark
    letter = unicodedata.normalize("NFC", base + letter_marks)
    return letter, tone


def _clusters(value: str) -> list[str]:
    """Group an NFD string into base characters each followed by its combining marks."""
    clusters: list[str] = []
    for char in value:
        if clusters and unicodedata.combining(char):
            clusters[-1] += char
        else:
            clusters.append(char)
    return clusters


def vietnamese_sort_key(value: str) -> tuple:
    """Compute a sort key that orders text as a Vietnamese dictionary does, with numbers in number order.

    Letters follow the Vietnamese alphabet (a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y).
    Tones only decide between words with the same letters, in the order level, grave, hook above, tilde,
    acute, dot below. Case decides last, lower case first. A run of ASCII digits counts as one number, so
    "Phường 2" comes before "Phường 10"; equal numbers written with more leading zeros ("02") come after.
    Numbers and punctuation sort before letters, and characters outside the alphabet sort after it by
    code point. The input may be NFC or NFD.
    Example: sorted(["Yên", "Đà", "Dĩ", "Bắc", "Ấp", "An"], key=vietnamese_sort_key) gives
    An, Ấp, Bắc, Dĩ, Đà, Yên.
    """
    decomposed = unicodedata.normalize("NFD", normalize_text(value))
    primary: list[tuple] = []
    secondary = []
    tertiary = []
    clusters = _clusters(decomposed)
    position = 0
    while position < len(clusters):
        cluster = clusters[position]
        if cluster[0] in _ASCII_DIGITS:
            end = position
            while end < len(clusters) and clusters[end][0] in _ASCII_DIGITS:
                end += 1
            digits = "".join(item[0] for item in clusters[position:end])
            significant = digits.lstrip("0") or "0"
            # Comparing (length, digits) orders numbers of any length without converting them to int.
            primary.append((1, ord("0"), len(significant), significant))
            secondary.append(0)
            tertiary.append(len(digits) - len(significant))
            position = end
            continue
        letter, tone = _split_letter(cluster)
        if letter in _LETTER_RANK:
            primary.append((2, _LETTER_RANK[letter]))
        elif letter.isspace():
            primary.append((0, 0))
        elif not letter.isalpha():
            primary.append((1, ord(letter[0])))
        else:
            primary.append((3, ord(letter[0])))
        secondary.append(tone)
        tertiary.append(0 if cluster[0] == cluster[0].lower() else 1)
        position += 1
    return (tuple(primary), tuple(secondary), tuple(tertiary), decomposed)
