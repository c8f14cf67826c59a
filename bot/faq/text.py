"""Text normalisation shared by indexing and querying: jieba words with synonyms, char n-grams."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import yaml

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.yml")
# Anything that is not a letter, digit or CJK character separates words and carries no meaning here.
CACHED_TEXTS = 200_000
# jieba dictionary frequency below which an entry is too rare to count as a word.
RARE_WORD_FREQUENCY = 20
# jieba dictionary frequency above which a word is everyday language rather than a topic word.
EVERYDAY_WORD_FREQUENCY = 6000
_NOISE = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+")


@dataclass(frozen=True)
class Vocabulary:
    """Canonical forms of variants, words to ignore, words to keep whole."""

    canonical: dict[str, str]
    stopwords: frozenset[str]
    terms: tuple[str, ...]
    generic: frozenset[str] = frozenset()

    @classmethod
    def load(cls, path: Path = VOCABULARY_FILE) -> Vocabulary:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        canonical = {}
        for word, variants in (raw.get("synonyms") or {}).items():
            for variant in variants or ():
                canonical[str(variant)] = str(word)
        return cls(
            canonical,
            frozenset(map(str, raw.get("stopwords") or ())),
            tuple(map(str, raw.get("terms") or ())),
            frozenset(map(str, raw.get("generic") or ())),
        )

    @cached_property
    def all_words(self) -> frozenset[str]:
        """Every term, canonical word and variant (what a typo may be a typo of)."""
        return frozenset({*self.terms, *self.canonical, *self.canonical.values()})


class TextNormalizer:
    """Turns a question into the words and character n-grams the lexical index compares."""

    def __init__(self, vocabulary: Vocabulary | None = None) -> None:
        self.vocabulary = vocabulary or Vocabulary.load()
        self._jieba = None
        # Rebuilding the index after an edit re-analyses every phrasing; remembering the analyses
        # makes that cost proportional to what changed (bounded: questions pass through here too).
        self.tokens = lru_cache(maxsize=CACHED_TEXTS)(self.tokens)  # type: ignore[method-assign]
        self.sound_ngrams = lru_cache(maxsize=CACHED_TEXTS)(self.sound_ngrams)  # type: ignore[method-assign]

    def _tokenizer(self):
        if self._jieba is None:
            import jieba  # a private tokenizer: the global one belongs to Rasa's pipeline

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            for word in sorted(self.vocabulary.all_words):
                if len(word) > 1:
                    tokenizer.add_word(word, freq=50000)
            self._jieba = tokenizer
        return self._jieba

    def _frequency(self, text: str) -> int:
        tokenizer = self._tokenizer()
        tokenizer.check_initialized()
        return int(tokenizer.FREQ.get(text) or 0)

    def is_word(self, text: str) -> bool:
        """Whether jieba's dictionary (with our terms) knows ``text`` as a word in real use
        (its rarest entries, such as 报缴, are more often a typo's neighbours than words)."""
        return self._frequency(text) >= RARE_WORD_FREQUENCY

    def is_topic_word(self, text: str) -> bool:
        """A word that can name what a question is about: one of our terms, or a dictionary word that
        is neither a stop word nor an everyday word (除了, 交易) that a typo could be mistaken for."""
        if text in self.vocabulary.all_words:
            return True
        return text not in self.vocabulary.stopwords and 0 < self._frequency(text) <= EVERYDAY_WORD_FREQUENCY

    @staticmethod
    def clean(text: str) -> str:
        """Full-width to half-width, lower case, punctuation and spaces removed."""
        return _NOISE.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()

    def tokens(self, text: str) -> list[str]:
        """Canonical jieba tokens, stop words included (char n-grams use them as context)."""
        canonical = self.vocabulary.canonical
        result: list[str] = []
        for chunk in self.clean(text).split():
            result.extend(canonical.get(token, token) for token in self._tokenizer().lcut(chunk, HMM=True))
        return result

    def words(self, text: str) -> list[str]:
        """Meaningful canonical words (stop words dropped)."""
        return [t for t in self.tokens(text) if t not in self.vocabulary.stopwords]

    def canonical_text(self, text: str) -> str:
        """The question rewritten with canonical words, without spaces or punctuation."""
        return "".join(self.tokens(text))

    def char_ngrams(self, text: str, sizes: tuple[int, ...] = (1, 2, 3)) -> list[str]:
        """Character 1–3-grams of the canonical text."""
        return _ngrams(list(self.canonical_text(text)), sizes, "")

    def sound_ngrams(self, text: str, sizes: tuple[int, ...] = (1, 2, 3)) -> list[str]:
        """Pinyin syllable 1–3-grams: homophone typos (设保卡, 公积近, 居主证) sound like the real words."""
        from pypinyin import lazy_pinyin

        return _ngrams(lazy_pinyin(self.canonical_text(text)), sizes, " ")


def _ngrams(units: list[str], sizes: tuple[int, ...], joiner: str) -> list[str]:
    return [joiner.join(units[i : i + n]) for n in sizes for i in range(len(units) - n + 1)]


@lru_cache(maxsize=1)
def default_normalizer() -> TextNormalizer:
    """One normaliser per process (jieba's dictionary takes a moment to load)."""
    return TextNormalizer()
