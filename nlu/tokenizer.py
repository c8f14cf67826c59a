"""Jieba tokenizer that drops whitespace tokens (RasaHQ/rasa#7910).

Rasa's JiebaTokenizer returns spaces as tokens, so "社保 怎么交" and "社保怎么交" get different
features. This subclass keeps jieba's user dictionaries and drops the blank tokens.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class HotlineJiebaTokenizer(JiebaTokenizer):
    """JiebaTokenizer without whitespace-only tokens."""

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        tokens = super().tokenize(message, attribute)
        kept = [token for token in tokens if token.text.strip()]
        # Rasa needs at least one token per message; keep the original list for blank text.
        return kept or tokens
