"""Work Rasa 3.6 repeats on every message for no gain, done once (``install`` before the server starts).

- Action server responses: ``RemoteAction._validate_action_result`` calls ``jsonschema.validate``,
  which checks the *schema* itself again before checking the response, on every action call (about
  29 % of the server's CPU under load), and then tries each event against all 23 event schemas
  (``oneOf``). Here validators are built once, and each event is checked against the one schema its
  ``event`` name selects (the alternatives differ by that name, so "exactly one matches" is the same
  as "the named one matches"); the same error is raised with the same hint.
- Reading a tracker: ``Event.resolve_by_type`` walks every subclass of ``Event`` (with an abstractness
  check each) for every stored event, to find the class of a type name (15 % of the CPU under load).
  The answer is remembered per type name; the classes are all imported before the first tracker is
  read, and a name not found is looked up again each time, as before.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _response_validator() -> Any:
    """The response's shape without its events: an object with a list of events and of responses."""
    from jsonschema.validators import validator_for

    schema = {"type": "object", "properties": {"events": {"type": "array"},
                                               "responses": {"type": "array", "items": {"type": "object"}}}}
    return validator_for(schema)(schema)


@lru_cache(maxsize=1)
def _event_validators() -> dict[str, Any]:
    """One validator per event name: Rasa's event schema with its ``oneOf`` narrowed to that event."""
    from jsonschema.validators import validator_for
    from rasa.shared.utils.schemas.events import EVENT_SCHEMA

    base = {key: value for key, value in EVENT_SCHEMA.items() if key != "oneOf"}
    validators = {}
    for alternative in EVENT_SCHEMA["oneOf"]:
        schema = {**base, "allOf": [alternative]}
        validator_class = validator_for(schema)
        validator_class.check_schema(schema)
        validators[alternative["properties"]["event"]["const"]] = validator_class(schema)
    return validators


def check_action_response(result: Any) -> None:
    """Raise ``jsonschema.ValidationError`` where Rasa's response schema would."""
    from jsonschema import ValidationError

    _response_validator().validate(result)
    validators = _event_validators()
    for event in result.get("events") or ():
        if not isinstance(event, dict):
            raise ValidationError(f"{event!r} is not of type 'object'")
        validator = validators.get(event.get("event"))
        if validator is None:
            raise ValidationError(f"{event.get('event')!r} is not a known event")
        validator.validate(event)


def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    from jsonschema import ValidationError
    from rasa.shared.constants import DOCS_BASE_URL

    try:
        check_action_response(result)
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
