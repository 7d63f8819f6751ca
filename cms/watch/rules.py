"""Topic rules: keyword expressions over normalised text, compiled once into one Aho-Corasick automaton.

Syntax (keywords in capitals; a space between two operands means AND):

    文联 AND (换届 OR 选举) NOT 演习
    "中国文联" NEAR/5 抄袭
    (书法 OR 美术) 造假

- a word is any run of characters without spaces, parentheses or quotes; a "quoted phrase" may hold
  spaces. Both are folded as screening folds text (cms/text/normalise.py: NFKC, case,
  traditional → simplified, separators and repeats dropped), so 詩歌, ＡＢＣ and 敏 感 match 诗歌, abc, 敏感;
- `a NEAR/n b`: both occur, at most n characters of normalised text between them (either order;
  chains such as a NEAR/3 b NEAR/3 c span all three). NEAR takes words or phrases, not groups;
- NOT binds tighter than AND, AND tighter than OR; `a NOT b` reads as a AND NOT b.

A rule that cannot be parsed raises RuleError naming the position (1-based, in characters). A rule that
would match a text holding none of its words (`NOT 演习` alone) is refused too: each rule must ask for at
least one word, which is what lets evaluation look only at topics one of whose words was found.

`RuleSet` compiles many rules together: every distinct word of every rule goes into one automaton, one
pass over a document finds all of them with their places, and only the rules one of whose words was
found are evaluated (a walk of their small trees over the found places): no regular expression, no loop
of searches per rule.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import ahocorasick_rs

from cms.text.normalise import normalise, normalise_word

MAX_RULE_CHARS = 2000
MAX_NEAR = 500
KEYWORDS = ("AND", "OR", "NOT")


class RuleError(ValueError):
    """A rule that cannot be used; `position` is 1-based (characters of the rule as written)."""

    def __init__(self, message: str, position: int | None = None):
        self.position = position
        self.detail = message
        super().__init__(f"第{position}个字符处：{message}" if position else message)


# --- Syntax tree ---


@dataclass(frozen=True)
class Term:
    text: str  # normalised
    written: str


@dataclass(frozen=True)
class Not:
    operand: object


@dataclass(frozen=True)
class And:
    operands: tuple


@dataclass(frozen=True)
class Or:
    operands: tuple


@dataclass(frozen=True)
class Near:
    left: object  # Term or Near
    right: Term
    distance: int


# --- Tokens ---

_TOKEN = re.compile(r'\s+|(?P<lparen>[(（])|(?P<rparen>[)）])|(?P<quote>["“”])|(?P<word>[^\s()（）"“”]+)')
_NEAR = re.compile(r"NEAR/(\d+)$")


@dataclass
class Token:
    kind: str  # word, phrase, lparen, rparen, and, or, not, near, end
    text: str
    position: int  # 1-based
    distance: int = 0


def _tokens(rule: str) -> list[Token]:
    tokens: list[Token] = []
    index = 0
    while index < len(rule):
        match = _TOKEN.match(rule, index)
        if match is None:  # cannot happen: every character is matched by some branch
            raise RuleError("无法识别的字符", index + 1)
        position = index + 1
        if match.group("lparen"):
            tokens.append(Token("lparen", "(", position))
        elif match.group("rparen"):
            tokens.append(Token("rparen", ")", position))
        elif match.group("quote"):
            end = next((i for i in range(index + 1, len(rule)) if rule[i] in '"“”'), None)
            if end is None:
                raise RuleError("引号没有闭合", position)
            tokens.append(Token("phrase", rule[index + 1 : end], position))
            index = end + 1
            continue
        elif match.group("word"):
            word = match.group("word")
            near = _NEAR.match(word)
            if word in KEYWORDS:
                tokens.append(Token(word.lower(), word, position))
            elif near:
                distance = int(near.group(1))
                if distance > MAX_NEAR:
                    raise RuleError(f"NEAR的距离最大为{MAX_NEAR}个字符", position)
                tokens.append(Token("near", word, position, distance))
            elif word.upper().startswith("NEAR"):
                raise RuleError(f"“{word}”不是有效的NEAR写法，应写作 NEAR/数字，如 NEAR/5", position)
            else:
                tokens.append(Token("word", word, position))
        index = match.end()
    tokens.append(Token("end", "", len(rule) + 1))
    return tokens


# --- Parser (recursive descent) ---


class _Parser:
    def __init__(self, rule: str):
        self.tokens = _tokens(rule)
        self.index = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self):
        if self.current.kind == "end":
            raise RuleError("规则为空", 1)
        tree = self.parse_or()
        if self.current.kind == "rparen":
            raise RuleError("多余的右括号", self.current.position)
        if self.current.kind != "end":  # pragma: no cover - every other token starts an operand
            raise RuleError(f"无法理解“{self.current.text}”", self.current.position)
        return tree

    def parse_or(self):
        operands = [self.parse_and()]
        while self.current.kind == "or":
            self.take()
            operands.append(self.parse_and())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def parse_and(self):
        operands = [self.parse_not()]
        while self.current.kind in ("and", "not", "word", "phrase", "lparen"):
            if self.current.kind == "and":
                self.take()
            operands.append(self.parse_not())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def parse_not(self):
        if self.current.kind == "not":
            self.take()
            return Not(self.parse_not())
        return self.parse_near()

    def parse_near(self):
        start = self.current
        left = self.parse_primary()
        while self.current.kind == "near":
            near = self.take()
            if not isinstance(left, (Term, Near)):
                raise RuleError("NEAR的左边必须是词语或引号中的短语，不能是括号或组合", start.position)
            operand_token = self.current
            right = self.parse_primary()
            if not isinstance(right, Term):
                raise RuleError("NEAR的右边必须是词语或引号中的短语，不能是括号或组合", operand_token.position)
            left = Near(left, right, near.distance)
        return left

    def parse_primary(self):
        token = self.current
        if token.kind in ("word", "phrase"):
            self.take()
            text = normalise_word(token.text)
            if not text:
                raise RuleError(f"“{token.text}”规范化后为空（只有空格或符号）", token.position)
            if "\n" in text:  # pragma: no cover - normalise_word removes boundaries
                raise RuleError(f"“{token.text}”含有句读符号", token.position)
            return Term(text, token.text)
        if token.kind == "lparen":
            self.take()
            if self.current.kind == "rparen":
                raise RuleError("括号内为空", self.current.position)
            inner = self.parse_or()
            if self.current.kind != "rparen":
                raise RuleError("缺少右括号（与此处的左括号配对）", token.position)
            self.take()
            return inner
        if token.kind == "end":
            raise RuleError("规则在此处意外结束，缺少词语", token.position)
        if token.kind == "rparen":
            raise RuleError("多余的右括号", token.position)
        if token.kind == "near":
            raise RuleError("NEAR前面缺少词语", token.position)
        raise RuleError(f"{token.text}前面缺少词语", token.position)


def terms_of(tree) -> set[str]:
    if isinstance(tree, Term):
        return {tree.text}
    if isinstance(tree, Not):
        return terms_of(tree.operand)
    if isinstance(tree, Near):
        return terms_of(tree.left) | {tree.right.text}
    return set().union(*(terms_of(operand) for operand in tree.operands))


def parse(rule: str):
    """The rule's tree, or RuleError naming where and what is wrong."""
    rule = rule or ""
    if len(rule) > MAX_RULE_CHARS:
        raise RuleError(f"规则过长：{len(rule)}个字符，最多{MAX_RULE_CHARS}个")
    tree = _Parser(rule).parse()
    if _evaluate(tree, {}):
        raise RuleError("规则必须要求至少一个词语出现（只有NOT的规则会命中所有文本）")
    return tree


# --- Evaluation over the places where words were found ---

Spans = list[tuple[int, int]]


def _spans(node, found: dict[str, Spans]) -> Spans:
    if isinstance(node, Term):
        return found.get(node.text, [])
    left, right = _spans(node.left, found), _spans(node.right, found)
    if not left or not right:
        return []
    joined = []
    for a_start, a_end in left:
        for b_start, b_end in right:
            gap = b_start - a_end if b_start >= a_start else a_start - b_end
            if gap <= node.distance:
                joined.append((min(a_start, b_start), max(a_end, b_end)))
    return joined


def _evaluate(node, found: dict[str, Spans]) -> bool:
    if isinstance(node, Term):
        return node.text in found
    if isinstance(node, Near):
        return bool(_spans(node, found))
    if isinstance(node, Not):
        return not _evaluate(node.operand, found)
    if isinstance(node, And):
        return all(_evaluate(operand, found) for operand in node.operands)
    return any(_evaluate(operand, found) for operand in node.operands)


MAX_PLACES_PER_TERM = 200  # NEAR compares places pairwise; a word found more often than this is capped


class RuleSet:
    """Many rules compiled together. `matches(text)` gives the keys of the rules the text satisfies."""

    def __init__(self, rules: Iterable[tuple[Hashable, str]]):
        self.trees: dict[Hashable, object] = {}
        self.errors: dict[Hashable, RuleError] = {}
        for key, rule in rules:
            try:
                self.trees[key] = parse(rule)
            except RuleError as error:
                self.errors[key] = error
        self.terms: list[str] = sorted(set().union(*(terms_of(tree) for tree in self.trees.values())))
        self.rules_of_term: dict[int, list[Hashable]] = defaultdict(list)
        position = {term: index for index, term in enumerate(self.terms)}
        for key, tree in self.trees.items():
            for term in terms_of(tree):
                self.rules_of_term[position[term]].append(key)
        self.automaton = ahocorasick_rs.AhoCorasick(self.terms) if self.terms else None

    def matches(self, text: str) -> list[Hashable]:
        if self.automaton is None:
            return []
        normalised = normalise(text).text
        found: dict[str, Spans] = {}
        candidates: set[Hashable] = set()
        for term_index, start, end in self.automaton.find_matches_as_indexes(normalised, overlapping=True):
            places = found.setdefault(self.terms[term_index], [])
            if len(places) < MAX_PLACES_PER_TERM:
                places.append((start, end))
            candidates.update(self.rules_of_term[term_index])
        return [key for key in candidates if _evaluate(self.trees[key], found)]


def check(rule: str) -> None:
    """Raise RuleError if the rule cannot be used."""
    parse(rule)
