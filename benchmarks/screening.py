"""`cms benchmark screening`: throughput, one article's time, recall on evasions, false alarms on clean text.

Everything is generated from a fixed seed, without the database (the automaton is what is measured):

- the lexicon: 10,000 words, 9,500 of two to four Chinese characters drawn from a pool of 2,500 CJK
  characters (U+4E00 to U+9FA5, seeded), and 500 Latin words of four to six letters; every 50th word is
  review-level, every 20th note-level. 200 exempted phrases each contain a lexicon word inside a longer
  phrase (the 路口交通 trap), and 路口交通 itself exempts 口交;
- the clean corpus: sentences of the same characters (so near misses abound), with spaces, ASCII
  punctuation, Chinese clause punctuation and digits between them; any sentence that contains a lexicon
  word, checked on the normalised text, is drawn again. Plus the trap sentences, which contain the
  exempted phrases;
- the evasion corpus: for each of 2,000 sampled words, one clean sentence with the word in it written
  one evasive way: separators (space, @, *, ·, -, _ between characters), zero-width characters,
  full-width or circled letters and upper case (Latin words), traditional characters (OpenCC s2t; a word
  without a traditional form gets separators instead), repeated characters, or a mix.
"""

from __future__ import annotations

import random
import statistics
import time

import ahocorasick_rs

from cms.review.screening import Matcher, screen_with
from cms.text.normalise import normalise, normalise_word, warm_up

TARGETS = {"throughput": 6_000_000, "article_ms": 5.0, "recall": 0.95, "false_alarms": 0.01}
SEPARATORS = [" ", "@", "*", "·", "-", "_", "#", ".", "~"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\ufeff"]
CLAUSE = ["，", "。", "、", "；", "！", "？"]


def build_lexicon(*, words: int = 10_000, seed: int = 12) -> tuple[list[tuple], list[str], list[str]]:
    """(entries for Matcher, the lexicon words, the character pool)."""
    rng = random.Random(seed)
    pool = [chr(cp) for cp in rng.sample(range(0x4E00, 0x9FA6), 2500)]
    chosen: dict[str, str] = {}
    latin = words // 20
    while len(chosen) < words - latin:
        word = "".join(rng.choice(pool) for _ in range(rng.randint(2, 4)))
        chosen.setdefault(normalise_word(word), word)
    while len(chosen) < words:
        word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 6)))
        chosen.setdefault(normalise_word(word), word)
    entries = []
    for number, (key, word) in enumerate(chosen.items()):
        level = "review" if number % 50 == 0 else "note" if number % 20 == 0 else "block"
        entries.append((key, word, "生成", level, "word"))
    return entries, list(chosen.values()), pool


def _clean_sentence(rng: random.Random, pool: list[str], raw: ahocorasick_rs.AhoCorasick, length: int) -> str:
    while True:
        parts = []
        for _ in range(length):
            parts.append(rng.choice(pool))
            roll = rng.random()
            if roll < 0.04:
                parts.append(rng.choice(CLAUSE))
            elif roll < 0.06:
                parts.append(rng.choice([" ", ",", "(", ")", "“", "”"]))
            elif roll < 0.07:
                parts.append(str(rng.randint(0, 2026)))
        sentence = "".join(parts) + "。"
        if not raw.find_matches_as_indexes(normalise(sentence).text, overlapping=True):
            return sentence


def _evade(rng: random.Random, word: str, t2s_inverse) -> str:
    kind = rng.choice(["separator", "zero_width", "repeat", "traditional", "case", "mix"])
    if word.isascii():
        if kind in ("traditional", "case"):
            return "".join(chr(ord(c) - 0x61 + 0xFF21) if rng.random() < 0.5 else c.upper() for c in word)
        if kind == "repeat":
            return "".join(c * rng.randint(1, 3) for c in word)
        if rng.random() < 0.3:
            return "".join(chr(ord(c) - 0x61 + 0x24D0) for c in word)  # circled letters
    if kind == "traditional":
        traditional = t2s_inverse(word)
        if traditional != word:
            return traditional
        kind = "separator"
    if kind == "separator":
        return rng.choice(SEPARATORS).join(word)
    if kind == "zero_width":
        return rng.choice(ZERO_WIDTH).join(word)
    if kind == "repeat":
        return "".join(c * rng.randint(1, 3) for c in word)
    out = []
    for c in word:
        out.append(c * rng.randint(1, 2))
        out.append(rng.choice(SEPARATORS + ZERO_WIDTH))
    return t2s_inverse("".join(out[:-1]))


def build_corpora(
    *, words: list[str], pool: list[str], entries: list[tuple], seed: int = 7, evasions: int = 2000, clean: int = 2000
) -> dict:
    import opencc

    rng = random.Random(seed)
    raw = ahocorasick_rs.AhoCorasick([e[0] for e in entries])
    s2t = opencc.OpenCC("s2t").convert
    evasion_corpus = []
    for word in rng.sample(words, min(evasions, len(words))):
        before = _clean_sentence(rng, pool, raw, rng.randint(5, 20))
        after = _clean_sentence(rng, pool, raw, rng.randint(5, 20))
        evasion_corpus.append((word, before + _evade(rng, word, s2t) + after))
    clean_corpus = [_clean_sentence(rng, pool, raw, rng.randint(20, 60)) for _ in range(clean)]
    exemptions, traps = [], ["十字路口交通管制。", "路口交通拥堵。"]
    for word in rng.sample(words[:9000], 200):
        phrase = rng.choice(pool) + word + rng.choice(pool)
        exemptions.append((normalise_word(phrase), phrase, "", "block", "exemption"))
        traps.append(_clean_sentence(rng, pool, raw, 8) + phrase + _clean_sentence(rng, pool, raw, 8))
    exemptions += [
        (normalise_word("路口交通"), "路口交通", "", "block", "exemption"),
        (normalise_word("口交"), "口交", "色情", "block", "word"),
    ]
    return {"evasions": evasion_corpus, "clean": clean_corpus, "traps": traps, "exemptions": exemptions}


def measure(
    *,
    words: int = 10_000,
    evasions: int = 2000,
    clean: int = 2000,
    article_chars: int = 10_000,
    throughput_chars: int = 5_000_000,
    repeats: int = 50,
) -> dict:
    warm_up()
    entries, lexicon_words, pool = build_lexicon(words=words)
    corpora = build_corpora(words=lexicon_words, pool=pool, entries=entries, evasions=evasions, clean=clean)
    started = time.perf_counter()
    matcher = Matcher(entries + corpora["exemptions"])
    build_seconds = time.perf_counter() - started

    found = sum(
        1
        for word, text in corpora["evasions"]
        if word in {hit.word for hit in screen_with(matcher, text_fields={"正文": text}).hits}
    )
    recall = found / len(corpora["evasions"])
    clean_texts = corpora["clean"] + corpora["traps"]
    alarms = sum(1 for text in clean_texts if screen_with(matcher, text_fields={"正文": text}).hits)
    false_alarms = alarms / len(clean_texts)

    body = "".join(corpora["clean"])
    while len(body) < article_chars:
        body += body
    article = body[:article_chars]
    text = (body * (throughput_chars // len(body) + 1))[:throughput_chars]
    chunks = [text[i : i + article_chars] for i in range(0, len(text), article_chars)]

    started = time.perf_counter()
    for chunk in chunks:
        screen_with(matcher, text_fields={"正文": chunk})
    with_normalisation = len(text) / (time.perf_counter() - started)
    started = time.perf_counter()
    for chunk in chunks:
        matcher.automaton.find_matches_as_indexes(chunk, overlapping=True)
    without_normalisation = len(text) / (time.perf_counter() - started)

    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        screen_with(matcher, text_fields={"正文": article})
        timings.append((time.perf_counter() - started) * 1000)
    # the same article with five lexicon words hidden in it: offsets are mapped back only when there are hits
    seeded = article[:2000] + "".join(f"{w}，" for w in lexicon_words[:5]) + article[2000 + 15 :]
    hit_timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        screen_with(matcher, text_fields={"正文": seeded[:article_chars]})
        hit_timings.append((time.perf_counter() - started) * 1000)
    return {
        "words": len(entries),
        "exemptions": len(corpora["exemptions"]) - 1,
        "build_seconds": build_seconds,
        "with_normalisation": with_normalisation,
        "without_normalisation": without_normalisation,
        "article_ms": statistics.median(timings),
        "article_hits_ms": statistics.median(hit_timings),
        "recall": recall,
        "evasions": len(corpora["evasions"]),
        "false_alarms": false_alarms,
        "clean": len(clean_texts),
        "alarms": alarms,
        "throughput_chars": len(text),
        "article_chars": article_chars,
    }


def report(r: dict) -> str:
    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    rows = [
        (
            "throughput with normalisation",
            f"{r['with_normalisation'] / 1e6:.1f} M chars/s",
            "≥ 6 M chars/s",
            verdict(r["with_normalisation"] >= TARGETS["throughput"]),
        ),
        ("throughput, automaton alone", f"{r['without_normalisation'] / 1e6:.1f} M chars/s", "—", ""),
        (
            f"one {r['article_chars']:,}-char article, clean (median)",
            f"{r['article_ms']:.2f} ms",
            "< 5 ms",
            verdict(r["article_ms"] < TARGETS["article_ms"]),
        ),
        (
            f"one {r['article_chars']:,}-char article, 5 hits (median)",
            f"{r['article_hits_ms']:.2f} ms",
            "< 5 ms",
            verdict(r["article_hits_ms"] < TARGETS["article_ms"]),
        ),
        (
            f"recall on {r['evasions']:,} evasions",
            f"{r['recall']:.3f}",
            "≥ 0.95",
            verdict(r["recall"] >= TARGETS["recall"]),
        ),
        (
            f"false alarms on {r['clean']:,} clean texts",
            f"{r['false_alarms'] * 100:.2f} % ({r['alarms']})",
            "≤ 1 %",
            verdict(r["false_alarms"] <= TARGETS["false_alarms"]),
        ),
        ("automaton build", f"{r['build_seconds'] * 1000:.0f} ms", "—", ""),
    ]
    width = max(len(row[0]) for row in rows)
    lines = [
        f"Screening: {r['words']:,} lexicon words, {r['exemptions']:,} exempted phrases, "
        f"{r['throughput_chars']:,} characters screened for throughput",
        "",
    ]
    lines.append(f"{'measure'.ljust(width)}  {'ours':>22}  {'target':>14}  result")
    for name, ours, target, result in rows:
        lines.append(f"{name.ljust(width)}  {ours:>22}  {target:>14}  {result}")
    return "\n".join(lines)
