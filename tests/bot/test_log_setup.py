"""Server logs: JSON lines a collector can parse (with the traceback), and a file that rotates."""

from __future__ import annotations

import json
import logging

import pytest

from bot.core.config import LogSettings
from bot.runtime.log_setup import ROTATE_BYTES, configure_logging


@pytest.fixture
def restore_root_logger():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_json_lines_carry_the_logger_level_and_traceback(tmp_path, restore_root_logger):
    log_file = tmp_path / "logs" / "console.log"
    configure_logging(LogSettings(level="INFO", json_lines=True, file=log_file), "staff console")
    logger = logging.getLogger("bot.console.notice_job")
    logger.debug("not at INFO")
    try:
        raise RuntimeError("数据库连接断开")
    except RuntimeError:
        logger.exception("ticket notice %s failed", 42)
    lines = [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()]
    assert [line["message"] for line in lines] == ["staff console logging at INFO", "ticket notice 42 failed"]
    assert lines[1]["level"] == "ERROR" and lines[1]["logger"] == "bot.console.notice_job"
    assert "RuntimeError: 数据库连接断开" in lines[1]["exc"]


def test_the_log_file_rotates_instead_of_growing_without_end(tmp_path, restore_root_logger):
    log_file = tmp_path / "console.log"
    configure_logging(LogSettings(level="INFO", file=log_file), "staff console")
    line = "x" * 1000
    for _ in range(ROTATE_BYTES // 1000 + 100):
        logging.getLogger("bot.tickets").info(line)
    assert log_file.stat().st_size <= ROTATE_BYTES
    assert (tmp_path / "console.log.1").is_file()
