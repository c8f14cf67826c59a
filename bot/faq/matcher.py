"""Finding the entry that answers a question: lexical and semantic similarity over every phrasing.

Each published entry is indexed by its standard question and its similar questions. A query is scored
against every phrasing as a weighted sum of cosines from four channels — jieba words with synonyms
mapped, character 1–3-grams, pinyin syllable 1–3-grams (for homophone typos) and sentence vectors —
and an entry scores its best phrasing plus a share of its second best.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.faq.lexical import LexicalChannel, LexicalMemo
from bot.faq.semantic import CachedEncoder
from bot.faq.spelling import HomophoneCorrector
from bot.faq.store import EntryData
from bot.faq.text import TextNormalizer

CHANNELS = ("words", "chars", "sounds", "semantic")
# Weight of an entry's second-best phrasing in its score (tuned on the dev split: 0.2–0.7 all help).
SUPPORT = 0.3


@dataclass(frozen=True)
class Weights:
    """How much each channel counts (tuned with ``make bench-faq`` on the dev split)."""

    words: float = 0.0
    chars: float = 0.10
    sounds: float = 0.25
    semantic: float = 0.65

    def of(self, channel: str) -> float:
        return float(getattr(self, channel))


@dataclass(frozen=True)
class SearchResult:
    """The best entries for a question, and how many topic words of the knowledge base it uses
    (one alone — "社保的事情" — says what about, but not which question; None when not counted)."""

    candidates: list[Candidate]
    topic_words: int | None = None
    # Words of the question no entry uses (护照 when none is about passports): shown to editors. As a
    # rule for declining it cost far more right answers than wrong ones it saved (make bench-faq, dev).
    unknown_words: int | None = None


@dataclass(frozen=True)
class Candidate:
    """An entry, how well it matches the query, and through which phrasing and channels."""

    entry: EntryData
    score: float
    matched: str
    parts: dict[str, float]


class FaqIndex:
    """An immutable index over a set of entries; build a new one when the knowledge base changes."""

    def __init__(
        self,
        entries: Sequence[EntryData],
        *,
        normalizer: TextNormalizer,
        encoder: CachedEncoder | None,
        weights: Weights = Weights(),
        memos: dict[str, LexicalMemo] | None = None,
    ) -> None:
        """
        Args:
            memos: per lexical channel, what an earlier index of the same process analysed; passing
                them makes a rebuild after a small edit cheap.
        """
        memos = memos if memos is not None else {}
        self.entries = list(entries)
        self.weights = weights
        self._encoder = encoder
        phrasings: list[str] = []
        owners: list[int] = []
        for position, entry in enumerate(self.entries):
            unique = list(dict.fromkeys(p.strip() for p in entry.phrasings() if p.strip()))
            phrasings.extend(unique)
            owners.extend([position] * len(unique))
        self._phrasings = phrasings
        self._normalizer = normalizer
        self._corrector = HomophoneCorrector(
            [t for p in phrasings for t in normalizer.tokens(p)] + list(normalizer.vocabulary.all_words),
            is_word=normalizer.is_word,
            is_topic_word=normalizer.is_topic_word,
        )
        self._owner = np.asarray(owners, dtype=np.int64)
        self._hotline = np.asarray([self.entries[owner].hotline for owner in owners], dtype=object)
        self._masks: dict[tuple[str, ...], np.ndarray] = {}
        analyzers: dict[str, Callable[[str], list[str]]] = {
            "words": normalizer.words,
            "chars": normalizer.char_ngrams,
            "sounds": normalizer.sound_ngrams,
        }
        self._lexical = {
            name: LexicalChannel(analyzer, phrasings, memos.setdefault(name, LexicalMemo()))
            for name, analyzer in analyzers.items()
            if weights.of(name) > 0 and phrasings
        }
        self._topic_vocabulary = self._lexical.get("words") or LexicalChannel(
            normalizer.words, phrasings, memos.setdefault("words", LexicalMemo())
        )
        use_semantic = weights.semantic > 0 and bool(phrasings)
        self._vectors = encoder.encode(phrasings) if encoder is not None and use_semantic else None

    def __len__(self) -> int:
        return len(self.entries)

    def corrected(self, query: str) -> str:
        """``query`` cleaned of punctuation, with homophone typos of known words fixed."""
        return " ".join(self._corrector.correct(chunk) for chunk in self._normalizer.clean(query).split())

    def channel_scores(self, query: str) -> dict[str, np.ndarray]:
        """Each channel's similarity of a (corrected) query to every phrasing."""
        size = len(self._phrasings)
        scores = {name: np.zeros(size, dtype=np.float32) for name in CHANNELS}
        for name, channel in self._lexical.items():
            scores[name] = channel.cosines(query)
        if self._vectors is not None and self._encoder is not None:
            scores["semantic"] = np.clip(self._vectors @ self._encoder.encode_query(query), 0.0, 1.0)
        return scores

    def word_coverage(self, corrected_query: str) -> tuple[int, int]:
        """(topic words the knowledge base uses, words of two or more characters it does not),
        generic words (怎么, 哪里) aside."""
        generic = self._normalizer.vocabulary.generic
        words = {w for w in self._normalizer.words(corrected_query) if w not in generic}
        known = {w for w in words if self._topic_vocabulary.knows(w)}
        return len(known), sum(1 for w in words - known if len(w) >= 2)

    def search(self, query: str, *, hotlines: Sequence[str] | None = None, top: int = 5) -> SearchResult:
        """The ``top`` best entries for ``query`` among those serving ``hotlines`` (all when None)."""
        if not self._phrasings or not query.strip():
            return SearchResult([], 0)
        corrected = self.corrected(query)
        scores = self.channel_scores(corrected)
        combined: np.ndarray = sum(
            (self.weights.of(name) * scores[name] for name in CHANNELS), np.zeros(len(self._phrasings), dtype=np.float32)
        )
        if hotlines is not None:
            combined = np.where(self._serves(tuple(hotlines)), combined, -1.0)
        candidates = [
            Candidate(
                entry=self.entries[int(self._owner[phrase])],
                score=score,
                matched=self._phrasings[phrase],
                parts={name: float(scores[name][phrase]) for name in CHANNELS},
            )
            for phrase, score in self._rank_entries(combined, top)
        ]
        return SearchResult(candidates, *self.word_coverage(corrected))

    def _serves(self, hotlines: tuple[str, ...]) -> np.ndarray:
        """Which phrasings belong to entries for these hotlines (cached: a process serves one set)."""
        mask = self._masks.get(hotlines)
        if mask is None:
            mask = self._masks[hotlines] = np.isin(self._hotline, list(hotlines))
        return mask

    def _rank_entries(self, combined: np.ndarray, top: int) -> list[tuple[int, float]]:
        """(best phrasing, entry score) of the ``top`` entries: an entry scores its best phrasing plus
        SUPPORT times its second best, so two phrasings that fit beat one that fits by chance."""
        # Entries have a handful of phrasings each, so the best entries are among the best few dozen
        # phrasings; sorting only those keeps a search fast on large bases.
        shortlist = min(len(combined), max(top * 12, 60))
        phrases = np.argpartition(-combined, shortlist - 1)[:shortlist]
        best: dict[int, int] = {}
        second: dict[int, float] = {}
        for phrase in phrases[np.argsort(-combined[phrases], kind="stable")]:
            if combined[phrase] < 0:
                break
            owner = int(self._owner[phrase])
            if owner not in best:
                best[owner] = int(phrase)
            else:
                second.setdefault(owner, float(combined[phrase]))
        scored = [(phrase, float(combined[phrase]) + SUPPORT * second.get(owner, 0.0)) for owner, phrase in best.items()]
        return sorted(scored, key=lambda item: -item[1])[:top]
