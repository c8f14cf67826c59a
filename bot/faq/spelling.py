"""Homophone typos: most Chinese typos come from pinyin input (设保卡, 公积近, 居主证, 车派).

A stretch of the question that is not a known word but sounds exactly like a word of the knowledge
base is replaced by that word before matching, so every channel (sentence vectors too) sees it right.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache

from pypinyin import lazy_pinyin

LONGEST, SHORTEST = 4, 2


class HomophoneCorrector:
    """Replaces unknown stretches of text by the knowledge-base word they sound like."""

    def __init__(
        self,
        words: Iterable[str],
        *,
        is_word: Callable[[str], bool],
        is_topic_word: Callable[[str], bool],
    ) -> None:
        """
        Args:
            words: the knowledge base's words, repeats included (the commoner wins a shared sound).
            is_word: whether a string is a dictionary word (then it is no typo).
            is_topic_word: whether a word may be a correction; jieba also yields made-up tokens
                (e.g. "能补" from "能补缴吗") and everyday words that must never be corrections.
        """
        counts = Counter(words)
        for word in [w for w in counts if not (SHORTEST <= len(w) <= LONGEST and _is_chinese(w))]:
            del counts[word]
        self._known = set(counts)
        self._by_sound: dict[str, str] = {}
        for word, _ in counts.most_common():
            if is_topic_word(word):
                self._by_sound.setdefault(_sound(word), word)
        self._is_word = is_word

    def correct(self, text: str) -> str:
        """``text`` with homophone typos of knowledge-base words fixed."""
        syllables = [_syllable(ch) for ch in text]
        result, position = [], 0
        while position < len(text):
            replacement, length = self._fix_at(text, position, syllables)
            result.append(replacement)
            position += length
        return "".join(result)

    def _fix_at(self, text: str, position: int, syllables: list[str]) -> tuple[str, int]:
        for length in range(LONGEST, SHORTEST - 1, -1):
            window = text[position : position + length]
            if len(window) < length or not _is_chinese(window):
                continue
            if window in self._known or self._is_word(window):
                return window, length
            word = self._by_sound.get(" ".join(syllables[position : position + length]))
            if word is not None and not self._straddles_word(text, position, length):
                return word, length
        return text[position], 1

    def _straddles_word(self, text: str, position: int, length: int) -> bool:
        """Whether the window's edge belongs to a real word outside it ("我驾|照", "交一|份")."""
        before = text[position - 1 : position + 1] if position > 0 else ""
        after = text[position + length - 1 : position + length + 1]
        return any(len(pair) == 2 and (pair in self._known or self._is_word(pair)) for pair in (before, after))


@lru_cache(maxsize=30_000)
def _syllable(char: str) -> str:
    return lazy_pinyin(char)[0] if _is_chinese(char) else char


def _sound(text: str) -> str:
    return " ".join(lazy_pinyin(text))


def _is_chinese(text: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in text)
