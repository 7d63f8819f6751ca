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
from functools import lru_cache

import rjieba

from .normalise import fold

SEARCH_CONFIG = "simple"
INDEX_FORMAT = 4  # bump when index_text changes: site templates are rebuilt, `cms search reindex` rewrites sites
MAX_QUERY_CHARS = 200
MAX_RUN_CHARS = 12  # longer runs of terms typed together are questions, not names
MAX_INDEXED_CHARS = 16_000  # per field: within PostgreSQL's 16,383 positions; beyond, text adds little
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
WORD = re.compile(r"\w", re.UNICODE)
# Dropped from queries of several words: function words match nearly everything, and the scaffolding of a
# question or request ("请问秦岚舟的京剧专场什么时候演出", "有哪些书法展览", "我想了解怎么报名") says
# nothing about what is sought.
STOPWORDS = {
    "请问",
    "请",
    "有没有",
    "是否",
    "能否",
    "可否",
    "可以",
    "哪",
    "在哪",
    "在哪里",
    "在哪儿",
    "几时",
    "何时",
    "何处",
    "谁",
    "是谁",
    "啥",
    "有哪些",
    "都有",
    "怎么样",
    "什么样",
    "怎么办",
    "一下",
    "我想",
    "想",
    "想知道",
    "知道",
    "了解",
    "查询",
    "查找",
    "搜索",
    "告诉",
    "我",
    "我们",
    "你",
    "您",
    "呀",
    "啊",
    "么",
    "有",
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
    keeps positions only up to 16,383; words match without positions. The words are jieba's
    (precise mode), each after the words it is made of (`components`): as jieba's search mode,
    without the words that straddle two parts (文学 in 中文学校 = 中文|学校), which a query then
    finds only as a phrase of characters, ranked below a real word."""
    text = normalize(text)[:MAX_INDEXED_CHARS]
    words = []
    for token in rjieba.cut(text):
        token = token.strip()
        if _is_term(token):
            words.extend(components(token))
            words.append(token)
    characters = HAN.findall(text)
    return " ".join(characters + words)


@lru_cache(maxsize=100_000)
def components(word: str) -> tuple[str, ...]:
    """The shorter dictionary words a word is made of, recursively: of the words jieba's search mode finds
    inside it, those that cut it into the fewest pieces (then the fewest single characters).

    中华人民共和国 → 中华, 人民, 共和, 共和国 (not 华人); 中文学校 → 中文, 学校 (not 文学)."""
    if len(word) < 3 or not HAN.search(word):
        return ()
    inner = {w for w in rjieba.cut_for_search(word) if 2 <= len(w) < len(word) and w in word}
    if not inner:
        return ()
    size = len(word)
    # best[i]: (pieces, single characters, start of the last piece) of the best cut of word[:i]
    best: list[tuple[int, int, int] | None] = [(0, 0, -1)] + [None] * size
    for start in range(size):
        if best[start] is None:
            continue
        pieces, singles, _ = best[start]
        options = [(start + 1, (pieces + 1, singles + 1, start))]
        options += [(start + len(w), (pieces + 1, singles, start)) for w in inner if word.startswith(w, start)]
        for end, candidate in options:
            if best[end] is None or candidate[:2] < best[end][:2]:
                best[end] = candidate
    parts, end = [], size
    while end > 0:
        start = best[end][2]
        parts.append(word[start:end])
        end = start
    found: list[str] = []
    for part in reversed(parts):
        if len(part) >= 2:
            found.extend(components(part))
            found.append(part)
    return tuple(found)


@dataclass(frozen=True)
class ParsedQuery:
    terms: tuple[str, ...]  # normalized terms, as jieba cut them
    # Runs of several terms the user typed together (no space, no dropped word between): 山花奖 → 山花 奖.
    # A document holding the run's characters in that order matches better than one holding the terms apart.
    runs: tuple[tuple[str, ...], ...] = ()

    def tsquery(self, operator: str = "&", *, prefix_last: bool = False) -> str:
        """A raw tsquery (for to_tsquery('simple', ...)): each term as a word or the phrase of its characters.
        With `prefix_last` (search as you type) the last term also matches words it begins."""
        parts = [_term_query(term) for term in self.terms]
        if prefix_last and parts:
            parts[-1] = f"({parts[-1]} | {_quote(self.terms[-1])}:*)"
        return f" {operator} ".join(parts)

    def run_phrases(self, weight: str = "") -> list[tuple[tuple[str, ...], str]]:
        """Each run's terms and the raw tsquery of its characters in order (as term_parts, with `weight`)."""
        label = f":{weight}" if weight else ""
        return [(run, " <-> ".join(_quote(c) + label for c in HAN.findall("".join(run)))) for run in self.runs]

    def term_queries(self) -> list[str]:
        """Each term's raw tsquery: the word, or the phrase of its characters."""
        return [_term_query(term) for term in self.terms]

    def word_queries(self) -> list[str]:
        """Each term's raw tsquery as a word only (no phrase of its characters)."""
        return [_quote(term) for term in self.terms]

    def term_parts(self, weight: str = "") -> list[tuple[str, str | None]]:
        """Per term, raw tsqueries of it as a word and as the phrase of its characters (None when it has no
        phrase), each restricted to lexemes of `weight` ("A": the title of the national index) if given."""
        label = f":{weight}" if weight else ""
        parts = []
        for term in self.terms:
            characters = HAN.findall(term)
            phrase = None
            if len(characters) >= 2:
                phrase = " <-> ".join(_quote(c) + label for c in characters)
            parts.append((_quote(term) + label, phrase))
        return parts

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
    tokens = [token.strip() for token in rjieba.cut(normalize(raw))]
    kept = [token for token in tokens if _is_term(token) and token not in STOPWORDS]
    terms = kept or [token for token in tokens if _is_term(token)]
    runs, current = [], []
    for token in [*tokens, " "]:
        if _is_term(token) and token not in STOPWORDS and HAN.fullmatch(token[0]) and HAN.fullmatch(token[-1]):
            current.append(token)
            continue
        if len(current) >= 2 and len("".join(current)) <= MAX_RUN_CHARS:
            runs.append(tuple(current))
        current = []
    return ParsedQuery(terms=tuple(dict.fromkeys(terms)), runs=tuple(dict.fromkeys(runs)) if kept else ())


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
