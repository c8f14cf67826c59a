"""``python -m bot faq …`` as an editor or a deployment script runs it."""

import csv
import json
import os
import subprocess
import sys

from tests.bot.faq.conftest import FIXTURES, SAMPLE

ROOT = SAMPLE.parent.parent


def _faq(tmp_path, *args):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}", "REDIS_URL": ""}
    return subprocess.run(
        [sys.executable, "-m", "bot", "faq", *map(str, args)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_import_search_export_and_eval_from_the_command_line(tmp_path):
    imported = _faq(tmp_path, "import", FIXTURES / "mixed.csv")
    assert imported.returncode == 1  # some rows were rejected
    assert "line 9:" in imported.stdout and "4 created" in imported.stdout

    found = _faq(tmp_path, "search", "去外地看病医保咋备案", "--top", "2", "--json")
    result = json.loads(found.stdout)
    assert result["decision"] == "answer" and result["candidates"][0]["id"] == "T-001"
    assert len(result["candidates"]) == 2

    exported = tmp_path / "out.xlsx"
    assert _faq(tmp_path, "export", exported).returncode == 0 and exported.stat().st_size > 0

    cases = tmp_path / "cases.csv"
    with cases.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["query", "expected_id", "note"])
        writer.writerows([["异地就医备案咋弄", "T-001", ""], ["社保卡掉了", "T-002", ""], ["今天天气怎么样", "", "none"]])
    evaluated = _faq(tmp_path, "eval", cases)
    figures = json.loads(evaluated.stdout.strip().splitlines()[-1])
    assert {"top1", "top3", "declined", "wrong_confident", "p50_ms", "p99_ms"} <= set(figures)
    assert figures["top1"] == 1.0 and figures["cases"] == 3


def test_unreadable_file_is_refused_with_a_reason(tmp_path):
    result = _faq(tmp_path, "import", tmp_path / "nothing.xlsx")
    assert result.returncode == 2 and "Nothing imported" in result.stdout


def test_sample_loads_only_into_an_empty_knowledge_base(tmp_path):
    assert "SAMPLE" in _faq(tmp_path, "sample").stdout
    assert "already has content" in _faq(tmp_path, "sample").stdout
