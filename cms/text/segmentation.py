"""Chinese text for PostgreSQL full text search: segmentation at index and query time.

PostgreSQL's parser does not split Chinese: a sentence is one lexeme. Text is therefore
segmented with jieba (rjieba, its Rust implementation) before `to_tsvector('simple', ...)`:
the words of jieba's search mode (long words and the shorter words inside them), then every
Chinese character on its own, in order. Queries are segmented the same way; each Chinese word
matches either as a word or as the phrase of its characters (`'诗' <-> '歌'`), so one- and
two-character queries find text that jieba split differently. Lexemes are quoted, so nothing
a user types is read as a tsquery operator.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

import rjieba

from .normalise import fold

SEARCH_CONFIG = "simple"
INDEX_FORMAT = 3  # bump when index_text changes: site templates are rebuilt, `cms search reindex` rewrites sites
MAX_QUERY_CHARS = 200
MAX_INDEXED_CHARS = 16_000  # per field: within PostgreSQL's 16,383 positions; beyond, text adds little
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
WORD = re.compile(r"\w", re.UNICODE)
# Dropped from queries of several words: function words match nearly everything, and question
# words ("秦岚舟的京剧专场什么时候演出") match nothing and would send every query to the any-word fallback.
STOPWORDS = {
    "的",
    "了",
    "在",
    "和",
    "与",
    "及",
    "是",
    "之",
    "或",
    "等",
    "对",
    "把",
    "被",
    "什么",
    "时候",
    "什么时候",
    "哪里",
    "哪儿",
    "哪些",
    "哪个",
    "怎么",
    "怎样",
    "如何",
    "为什么",
    "多少",
    "吗",
    "呢",
    "吧",
    "请问",
}


class QueryError(ValueError):
    """A query that cannot be searched; the message says why, in Chinese."""


def normalize(text: str) -> str:
    """Full-width letters and digits to half-width, lower case, traditional Chinese to simplified
    (詩歌 finds 诗歌 and back): the folding screening uses too (cms/text/normalise.py)."""
    return fold(unicodedata.normalize("NFKC", text or "").lower())


def _is_term(token: str) -> bool:
    return bool(WORD.search(token)) and token.strip() != ""


def index_text(text: str) -> str:
    """What goes into to_tsvector('simple', ...) for one field: single characters, then words.

    Characters first: their adjacency (`'诗' <-> '歌'`) needs exact positions, and PostgreSQL
    keeps positions only up to 16,383; words match without positions."""
    text = normalize(text)[:MAX_INDEXED_CHARS]
    words = [token.strip() for token in rjieba.cut_for_search(text) if _is_term(token)]
    characters = HAN.findall(text)
    return " ".join(characters + words)


@dataclass(frozen=True)
class ParsedQuery:
    terms: tuple[str, ...]  # normalized terms, as jieba cut them

    def tsquery(self, operator: str = "&", *, prefix_last: bool = False) -> str:
        """A raw tsquery (for to_tsquery('simple', ...)): each term as a word or the phrase of its characters.
        With `prefix_last` (search as you type) the last term also matches words it begins."""
        parts = [_term_query(term) for term in self.terms]
        if prefix_last and parts:
            parts[-1] = f"({parts[-1]} | {_quote(self.terms[-1])}:*)"
        return f" {operator} ".join(parts)

    @property
    def highlight_terms(self) -> list[str]:
        """What to mark in snippets: the terms, longest first."""
        return sorted(set(self.terms), key=len, reverse=True)


def parse_query(query: str | None) -> ParsedQuery:
    """Segment a user's query. Raises QueryError for an empty or overlong query; a query of
    punctuation only gives no terms (and no results)."""
    raw = (query or "").strip()
    if not raw:
        raise QueryError("请输入搜索词。")
    if len(raw) > MAX_QUERY_CHARS:
        raise QueryError(f"搜索词过长：{len(raw)} 个字符，最多 {MAX_QUERY_CHARS} 个。")
    tokens = [token.strip() for token in rjieba.cut(normalize(raw)) if _is_term(token)]
    terms = [token for token in tokens if token not in STOPWORDS] or tokens
    return ParsedQuery(terms=tuple(dict.fromkeys(terms)))


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _term_query(term: str) -> str:
    characters = HAN.findall(term)
    if len(characters) >= 2 and len(characters) == len(term):
        phrase = " <-> ".join(_quote(c) for c in characters)
        return f"({_quote(term)} | {phrase})"
    if HAN.search(term) and len(term) > 1:  # mixed scripts, e.g. "5g时代": the word, or its Chinese part as a phrase
        phrase = " <-> ".join(_quote(c) for c in characters)
        return f"({_quote(term)} | {phrase})" if len(characters) > 1 else _quote(term)
    return _quote(term)


def snippet(text: str, terms: list[str], *, width: int = 80) -> str:
    """An HTML-escaped window of `text` around the first term found, terms wrapped in <mark>."""
    plain = re.sub(r"\s+", " ", text or "").strip()
    if not plain:
        return ""
    # Folded character by character, keeping positions: NFKC turns "……" into six dots.
    folded = "".join(f if len(f := normalize(c)) == 1 else c for c in plain)
    first = min((i for i in (folded.find(term) for term in terms) if i >= 0), default=-1)
    if first < 0:
        return html.escape(plain[:width]) + ("…" if len(plain) > width else "")
    start = max(0, first - width // 4)
    end = min(len(plain), start + width)
    window, folded_window = plain[start:end], folded[start:end]
    marks = []
    for term in terms:
        at = folded_window.find(term)
        while at >= 0 and term:
            marks.append((at, at + len(term)))
            at = folded_window.find(term, at + len(term))
    merged = []
    for begin, finish in sorted(marks):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], finish))
        else:
            merged.append((begin, finish))
    out, position = [], 0
    for begin, finish in merged:
        out.append(html.escape(window[position:begin]))
        out.append(f"<mark>{html.escape(window[begin:finish])}</mark>")
        position = finish
    out.append(html.escape(window[position:]))
    return ("…" if start > 0 else "") + "".join(out) + ("…" if end < len(plain) else "")
