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
- Calling the action server: ``EndpointConfig.request`` opened a new HTTP session, and so a new
  connection, for every action call. Each endpoint now keeps one session per event loop, with
  connections kept alive for less time than the servers keep them open (Sanic: 5 s), so a reused
  connection is never one the server has just closed.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _response_validator() -> Any:
    """The response's shape without its events: an object with a list of events and of responses."""
    from jsonschema.validators import validator_for

    schema = {
        "type": "object",
        "properties": {"events": {"type": "array"}, "responses": {"type": "array", "items": {"type": "object"}}},
    }
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
        validator = validators.get(str(event.get("event")))
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
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from "
            f"the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
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


KEEPALIVE_SECONDS = 2.0


class _Borrowed:
    """``async with endpoint.session()`` hands out the endpoint's shared session without closing it."""

    def __init__(self, session: Any) -> None:
        self._session = session

    async def __aenter__(self) -> Any:
        return self._session

    async def __aexit__(self, *_exc: Any) -> bool:
        return False


def _shared_session(self: Any) -> _Borrowed:
    import asyncio

    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT

    loop = asyncio.get_running_loop()
    session = getattr(self, "_hotline_session", None)
    if session is None or session.closed or getattr(self, "_hotline_loop", None) is not loop:
        auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) if self.basic_auth else None
        session = aiohttp.ClientSession(
            headers=self.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
        )
        self._hotline_session, self._hotline_loop = session, loop
    return _Borrowed(session)


def install() -> None:
    """Replace the repeated work in this process's Rasa (idempotent)."""
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event
    from rasa.utils.endpoints import EndpointConfig

    RemoteAction._validate_action_result = _validate_action_result
    EndpointConfig.session = _shared_session
    if not hasattr(Event.resolve_by_type, "original"):
        Event.resolve_by_type = staticmethod(_cached_event_resolver(Event.resolve_by_type))
