"""Normalisation against evasion, shared by screening and search. Imports nothing of the project.

`normalise(text)` folds what people use to slip a word past a filter, in this order, character by
character (so that every normalised character maps back to the place in the original it came from):

1. NFKC: full-width, circled, parenthesised and styled (mathematical) letters and digits to plain ones;
2. case folding;
3. traditional to simplified Chinese, character by character (OpenCC's t2s table);
4. separators dropped: spaces, zero-width and control characters, ASCII punctuation and symbols, emoji
   inserted between characters (傻@冒, 敏 感 词, 敏\u200b感). Chinese sentence punctuation (。，、；：！？
   and line breaks) is *kept* as a boundary ("\n"): "入口，交通" must not read as "入口交通";
5. repeated characters collapsed (敏敏感感词 → 敏感词), except digits (100 is not 10); lexicon words go
   through the same folding, so a word with a doubled character (谢谢) is stored folded too.

All of it is one `str.translate` over a table built once per process and one regular expression:
no Python loop per character on the hot path. The offsets back to the original are computed only
when asked for (a match was found), with C-level iterators.

`fold(text)` is the lighter folding search uses: NFKC, lower case and traditional to simplified,
one character for one character, nothing removed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from itertools import chain, compress, repeat
from operator import itemgetter, ne

BOUNDARY = "\n"
# Kept (as a boundary): the punctuation that ends a clause in Chinese text, and line breaks.
BOUNDARY_CHARS = set("。，、；：！？…\n\r\u2028\u2029") | {"\uff0c", "\uff1b", "\uff1a", "\uff01", "\uff1f", "\uff0e"}
HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
# Beyond the basic plane, only what evasion uses: styled letters and digits, enclosed ones, emoji.
EXTRA_RANGES = ((0x1D400, 0x1D7FF), (0x1F100, 0x1F1FF), (0x1F300, 0x1FAFF))
# Digits are not collapsed: 100 and 10 are different numbers.
_REPEATS = re.compile(r"([^0-9])\1+", re.DOTALL)
_DIGITS_MASKED = str.maketrans({str(d): "\x01" for d in range(10)})
_MARK = "\x00"  # a dropped character, while offsets are computed


@cache
def _t2s() -> dict[str, str]:
    """Traditional → simplified for single Han characters, from OpenCC's t2s conversion."""
    import opencc

    characters = [chr(cp) for start, end in HAN_RANGES for cp in range(start, end + 1)]
    converted = opencc.OpenCC("t2s").convert("\n".join(characters)).split("\n")
    if len(converted) != len(characters):  # never seen; fall back to one call per character
        converted = [opencc.OpenCC("t2s").convert(c) for c in characters]
    return {
        source: target
        for source, target in zip(characters, converted, strict=True)
        if len(target) == 1 and target != source
    }


def _fold_char(ch: str) -> str:
    t2s = _t2s()
    folded = unicodedata.normalize("NFKC", ch).casefold()
    return "".join(t2s.get(c, c) for c in folded)


def _codepoints():
    yield from range(0x10000)
    for start, end in EXTRA_RANGES:
        yield from range(start, end + 1)


@cache
def _tables() -> tuple[dict[int, str], dict[int, str]]:
    """(the screening table, the search table), each a complete map for the planes it covers (no
    lookup misses, which str.translate pays for with an exception)."""
    screening: dict[int, str] = {}
    search: dict[int, str] = {}
    for cp in _codepoints():
        ch = chr(cp)
        if 0xD800 <= cp <= 0xDFFF:
            screening[cp] = search[cp] = ch
            continue
        folded = _fold_char(ch)
        search[cp] = folded if len(folded) == 1 else ch
        if ch in BOUNDARY_CHARS:
            screening[cp] = BOUNDARY
        else:
            screening[cp] = "".join(c for c in folded if unicodedata.category(c)[0] not in "PSZC")
    return screening, search


@cache
def _marked_table() -> dict[int, str]:
    """The screening table with dropped characters kept as a mark, so positions still line up."""
    return {cp: (out if out else _MARK) for cp, out in _tables()[0].items()}


def warm_up() -> None:
    """Build the tables now (a process that screens pays ~0.3 s once, not on its first request)."""
    _tables()


def fold(text: str) -> str:
    """NFKC, lower case, traditional → simplified; one character for one character (search)."""
    return (text or "").translate(_tables()[1])


def to_simplified(text: str) -> str:
    t2s = _t2s()
    return "".join(t2s.get(c, c) for c in text or "")


@dataclass
class Normalised:
    """Normalised text and the way back: `offsets[i]` is the index in `original` of `text[i]`."""

    original: str
    text: str
    _offsets: list[int] | None = field(default=None, repr=False)

    @property
    def offsets(self) -> list[int]:
        if self._offsets is None:
            self._offsets = _offsets(self.original)
        return self._offsets

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that normalised text[start:end] came from."""
        offsets = self.offsets
        return offsets[start], offsets[end - 1] + 1


def normalise(text: str) -> Normalised:
    text = text or ""
    dropped = text.translate(_tables()[0])
    return Normalised(original=text, text=_REPEATS.sub(r"\1", dropped))


_NO_BOUNDARIES = str.maketrans({c: None for c in BOUNDARY_CHARS})


def normalise_word(word: str) -> str:
    """A lexicon word as it is matched: the same folding as the text, boundary characters removed first."""
    return normalise((word or "").translate(_NO_BOUNDARIES)).text


def normalise_words(words: list[str]) -> list[str]:
    """normalise_word for many words at once (an import of 100,000 words): one pass over them all."""
    cleaned = [(word or "").translate(_NO_BOUNDARIES) for word in words]
    together = normalise(BOUNDARY.join(cleaned)).text.split(BOUNDARY)
    if len(together) != len(words):  # a word that folds to nothing merged two boundaries: one at a time
        return [normalise(word).text for word in cleaned]
    return together


def _offsets(original: str) -> list[int]:
    table = _tables()[0]
    marked = original.translate(_marked_table())
    if len(marked) == len(original):
        kept_positions = list(compress(range(len(marked)), map(ne, marked, repeat(_MARK))))
        kept = marked.replace(_MARK, "")
    else:  # a character that folds into several (⑩ → 10, ㍿ → 株式会社): the slow, exact way
        kept_positions, pieces = [], []
        for index, ch in enumerate(original):
            out = table.get(ord(ch), ch)
            kept_positions.extend([index] * len(out))
            pieces.append(out)
        kept = "".join(pieces)
    # Collapse: a character equal to the one before it is dropped (a digit never is).
    masked = kept.translate(_DIGITS_MASKED)
    survivors = list(compress(range(len(kept)), map(ne, kept, chain((None,), masked))))
    if not survivors:
        return []
    if len(survivors) == 1:
        return [kept_positions[survivors[0]]]
    return list(itemgetter(*survivors)(kept_positions))
