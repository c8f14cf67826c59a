"""Marks messages that should reach a person: sensitive topics (at once) and anger (when repeated).

Runs after the FallbackClassifier. Every message gets an ``escalation`` entry in its parse data
({"topic", "angry", "overrode"}). A sensitive topic turns the intent into ``request_human``; so does
anger when the classifier found nothing the assistant can act on (the handoff action then decides
whether this is the first angry message, answered with an apology, or a repeat, handed over). The
words come from ``bot/handoff/escalation.yml`` or the deployment's own file, read at run time:
changing them needs a restart, not retraining.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.core.config import load_settings
from bot.handoff.escalation import EscalationTerms

HANDOFF_INTENT = "request_human"
# Intents under which an angry message carries nothing else to act on.
_NOTHING_ELSE = {"nlu_fallback", "out_of_scope", "chitchat", "deny", "bot_challenge", "greet", "goodbye"}


@lru_cache(maxsize=1)
def _terms() -> EscalationTerms:
    return EscalationTerms.load(load_settings().handoff.escalation_file)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EscalationDetector(GraphComponent):
    """Adds escalation signals to every message and routes sensitive or angry ones to a person."""

    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, execution_context: ExecutionContext
    ) -> EscalationDetector:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text or text.startswith("/"):
                continue
            signals = _terms().signals(text)
            intent = (message.get(INTENT) or {}).get("name")
            override = intent != "emergency" and (signals.topic is not None or (signals.angry and intent in _NOTHING_ELSE))
            message.set("escalation", {**signals.as_dict(), "overrode": intent if override else None}, add_to_output=True)
            if override and intent != HANDOFF_INTENT:
                top = {"name": HANDOFF_INTENT, "confidence": 1.0}
                ranking = [top, *[r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != HANDOFF_INTENT]]
                message.set(INTENT, top, add_to_output=True)
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
