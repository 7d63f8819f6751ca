"""Lexicon files: reading CSV and TXT imports (every error, with its line number, in Chinese) and
writing exports in the same formats.

CSV: a header row 词语,类别,级别,类型 (or word,category,level,kind), then one entry a row; only 词语 is
required. TXT: one entry a line, the same columns separated by tabs; blank lines and lines starting
with # are skipped. 级别: 禁止发布 (block), 需审核 (review) or 提示 (note); 类型: 敏感词 or 豁免词.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from cms.text.normalise import normalise_words

from .models import Level, LexiconEntry

MAX_WORD_CHARS = 50
MAX_CATEGORY_CHARS = 30
MAX_ERRORS_SHOWN = 20
LEVELS = {
    "禁止发布": Level.BLOCK,
    "禁止": Level.BLOCK,
    "block": Level.BLOCK,
    "需审核": Level.REVIEW,
    "审核": Level.REVIEW,
    "review": Level.REVIEW,
    "提示": Level.NOTE,
    "note": Level.NOTE,
}
KINDS = {
    "敏感词": LexiconEntry.Kind.WORD,
    "word": LexiconEntry.Kind.WORD,
    "豁免词": LexiconEntry.Kind.EXEMPTION,
    "豁免": LexiconEntry.Kind.EXEMPTION,
    "exemption": LexiconEntry.Kind.EXEMPTION,
}
HEADERS = {"词语", "word"}
COLUMNS = ["词语", "类别", "级别", "类型"]


class LexiconFileError(ValueError):
    """A file that cannot be imported; `errors` lists every problem, each with its line number."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        shown = errors[:MAX_ERRORS_SHOWN]
        more = f"；另有 {len(errors) - len(shown)} 处错误" if len(errors) > len(shown) else ""
        super().__init__("导入失败，词库未作任何改动：" + "；".join(shown) + more + "。")


@dataclass(frozen=True)
class ParsedEntry:
    line: int
    word: str
    normalised: str
    category: str
    level: str
    kind: str


def parse(content: str | bytes, *, fmt: str, category: str = "", level: str = Level.BLOCK) -> list[ParsedEntry]:
    """Every entry of the file, or LexiconFileError with every problem found."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise LexiconFileError(["文件不是 UTF-8 编码的文本"]) from None
    content = content.lstrip("\ufeff")
    if fmt == "csv":
        rows = _csv_rows(content)
    elif fmt == "txt":
        rows = _txt_rows(content)
    else:
        raise LexiconFileError([f"不支持的格式“{fmt}”，请上传 CSV 或 TXT 文件"])
    errors: list[str] = []
    entries: list[ParsedEntry] = []
    seen: dict[tuple[str, str], int] = {}
    folded = normalise_words([cells[0] if cells else "" for _, cells in rows])
    for (line, cells), normalised in zip(rows, folded, strict=True):
        if len(cells) > len(COLUMNS):
            errors.append(f"第 {line} 行：有 {len(cells)} 列，最多 {len(COLUMNS)} 列（{'、'.join(COLUMNS)}）")
            continue
        cells = [cell.strip() for cell in cells] + [""] * (len(COLUMNS) - len(cells))
        word, row_category, row_level, row_kind = cells
        if not word:
            errors.append(f"第 {line} 行：词语为空")
            continue
        if len(word) > MAX_WORD_CHARS:
            errors.append(f"第 {line} 行：词语“{word[:10]}…”过长（{len(word)} 个字符，最多 {MAX_WORD_CHARS} 个）")
            continue
        if not normalised:
            errors.append(f"第 {line} 行：“{word}”只含标点、符号或空白")
            continue
        entry_level = LEVELS.get(row_level.lower(), None) if row_level else level
        if entry_level is None:
            errors.append(f"第 {line} 行：级别“{row_level}”无法识别，应为 禁止发布、需审核 或 提示")
            continue
        kind = KINDS.get(row_kind.lower(), None) if row_kind else LexiconEntry.Kind.WORD
        if kind is None:
            errors.append(f"第 {line} 行：类型“{row_kind}”无法识别，应为 敏感词 或 豁免词")
            continue
        if len(row_category) > MAX_CATEGORY_CHARS:
            errors.append(f"第 {line} 行：类别过长（最多 {MAX_CATEGORY_CHARS} 个字符）")
            continue
        first = seen.get((kind, normalised))
        if first is not None:
            same = "" if normalised == word else f"（归一化后均为“{normalised}”）"
            errors.append(f"第 {line} 行：“{word}”与第 {first} 行重复{same}")
            continue
        seen[(kind, normalised)] = line
        entries.append(
            ParsedEntry(
                line=line,
                word=word,
                normalised=normalised,
                category=row_category or category,
                level=entry_level,
                kind=kind,
            )
        )
    if errors:
        raise LexiconFileError(errors)
    if not entries:
        raise LexiconFileError(["文件为空，没有可导入的词语"])
    return entries


def _csv_rows(content: str):
    reader = csv.reader(io.StringIO(content))
    rows = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if not rows and cells and cells[0].strip().lower() in HEADERS:
                continue  # the header
            rows.append((line, cells))
    except csv.Error as error:
        raise LexiconFileError([f"第 {reader.line_num} 行：CSV 格式错误（{error}）"]) from None
    return rows


def _txt_rows(content: str):
    rows = []
    for line, text in enumerate(content.splitlines(), 1):
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        rows.append((line, text.split("\t")))
    return rows


def export(entries, *, fmt: str) -> str:
    """A layer's entries as a file that imports back unchanged."""
    level_names = dict(Level.choices)
    kind_names = dict(LexiconEntry.Kind.choices)
    rows = [(e.word, e.category, level_names[e.level], kind_names[e.kind]) for e in entries]
    if fmt == "txt":
        return "# " + "\t".join(COLUMNS) + "\n" + "".join("\t".join(row) + "\n" for row in rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue()
