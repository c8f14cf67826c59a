"""Logging of a server process: level, plain text or JSON lines, optionally a rotated file.

``LOG_LEVEL`` (INFO), ``LOG_FORMAT`` (text | json) and ``LOG_FILE`` (also write there, rotated at 10 MB,
five files kept). Tracebacks are kept (in JSON under ``exc``). Messages never carry personal data:
the code logs ids and kinds, not citizens' text (tests/integration/test_logs_hold_no_personal_data.py).
"""

from __future__ import annotations

import json
import logging
import logging.handlers
from datetime import datetime, timezone

from bot.core.config import LogSettings

TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s - %(message)s"
ROTATE_BYTES = 10 * 1024 * 1024
ROTATE_KEEP = 5


class JsonLines(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, message, process, and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(settings: LogSettings, process: str) -> None:
    """Send the root logger's records (``bot.*``, ``channels.*``, the frameworks') to stderr and, when
    set, the file; replaces handlers a framework installed before."""
    formatter: logging.Formatter = JsonLines() if settings.json_lines else logging.Formatter(TEXT_FORMAT)
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if settings.file is not None:
        settings.file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(
            logging.handlers.RotatingFileHandler(settings.file, maxBytes=ROTATE_BYTES, backupCount=ROTATE_KEEP, encoding="utf-8")
        )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    for handler in handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(settings.level)
    logging.getLogger(__name__).info("%s logging at %s", process, settings.level)
