"""Marks short "还是没解决" messages with the entity ``still_unresolved`` (value ``yes``).

The intent stays what the classifier found (deny, complain, a fallback), so the understanding figures
do not move; the dialogue rules (``data/rules/tickets.yml``) take a marked message to the citizen's
ticket outside forms. The phrases are in ``bot/tickets/still_unresolved.py``.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.tickets.still_unresolved import still_unresolved

ENTITY = "still_unresolved"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class UnresolvedDetector(GraphComponent):
    """Adds the ``still_unresolved`` entity to short messages that say a matter is still not solved."""

    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, execution_context: ExecutionContext
    ) -> UnresolvedDetector:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text or text.startswith("/") or not still_unresolved(text):
                continue
            entity = {"entity": ENTITY, "value": "yes", "start": 0, "end": len(text), "extractor": type(self).__name__}
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
        return messages
