"""Start and stop the assistant's processes (action server, Rasa server, staff console) on one machine.

Used by ``make run`` (through ``python -m bot run``) and by the integration tests, so both start the
assistant the same way.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.core.config import Settings, load_settings
from bot.core.server_keys import child_environment, rasa_api_headers, rasa_auth_token
from bot.runtime.endpoints import rasa_endpoints
from bot.runtime.ports import free_ports

WEBCHAT_PATH = "/webhooks/webchat/chat"
# TensorFlow would otherwise start a thread pool per core for each op; two cores are shared here.
_QUIET_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "TF_INTRA_OP_PARALLELISM_THREADS": "2",
    "TF_INTER_OP_PARALLELISM_THREADS": "1",
    "PYTHONUNBUFFERED": "1",
}


_STOCK_REST = re.compile(r"^rest:", re.MULTILINE)
_AUTHENTICATED_REST = "channels.rest.AuthenticatedRestInput:"


def credentials_file(root: Path, say: Callable[[str], None] = print) -> Path:
    """``credentials.yml``, created from the example on first use (it is never committed)."""
    target = root / "credentials.yml"
    if not target.is_file():
        target.write_text((root / "credentials.yml.example").read_text(encoding="utf-8"), encoding="utf-8")
        say("Created credentials.yml from credentials.yml.example (web chat and REST channels).")
    text = target.read_text(encoding="utf-8")
    if _STOCK_REST.search(text):  # written before the REST channel required the API token
        target.write_text(_STOCK_REST.sub(_AUTHENTICATED_REST, text), encoding="utf-8")
        say("credentials.yml: the REST channel now requires Authorization: Bearer <RASA_AUTH_TOKEN>.")
    return target


@dataclass
class Stack:
    """The action server and the Rasa server as child processes, with logs under ``log_dir``."""

    settings: Settings
    model: Path
    credentials: Path
    log_dir: Path
    say: Callable[[str], None] = print
    child_env: dict[str, str] = field(default_factory=dict)  # on top of os.environ, e.g. for tests
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    action_url: str | None = None  # where Rasa calls actions (a load balancer); default: this stack's server
    console_env: dict[str, str] = field(default_factory=dict)  # the console's own, e.g. Rasa behind a balancer

    @property
    def rasa_url(self) -> str:
        return f"http://{self.settings.host}:{self.settings.rasa_port}"

    @property
    def webchat_url(self) -> str:
        host = "localhost" if self.settings.host in ("127.0.0.1", "0.0.0.0") else self.settings.host
        return f"http://{host}:{self.settings.rasa_port}{WEBCHAT_PATH}"

    @property
    def console_url(self) -> str:
        host = "localhost" if self.settings.host in ("127.0.0.1", "0.0.0.0") else self.settings.host
        return f"http://{host}:{self.settings.console.port}/console/"

    @property
    def token(self) -> str:
        return rasa_auth_token(self.settings)

    def api_headers(self) -> dict[str, str]:
        """Headers for the Rasa HTTP API of this stack."""
        return rasa_api_headers(self.token)

    def _environment(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        root = str(self.settings.project_root)
        env = {**os.environ, **_QUIET_ENV, **self.child_env, **child_environment(self.settings), **(extra or {})}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
        return env

    def _spawn(self, name: str, command: list[str], extra_env: dict[str, str] | None = None) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 (kept open for the child)
        self.processes[name] = subprocess.Popen(
            command,
            cwd=self.settings.project_root,
            env=self._environment(extra_env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us only; we stop the children in order
        )
        log.close()

    def start_actions(self) -> None:
        self.say(f"Starting the action server on port {self.settings.action_port}...")
        self._spawn("actions", [sys.executable, "-m", "actions.serve"])

    def start_rasa(self) -> None:
        self.say(f"Starting the Rasa server on port {self.settings.rasa_port} (loading the model takes about a minute)...")
        endpoints = self.log_dir / "endpoints.yml"
        config = rasa_endpoints(self.settings)
        if self.action_url:
            config["action_endpoint"]["url"] = self.action_url
        endpoints.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        self._spawn(
            "rasa",
            [
                sys.executable,
                "-m",
                "channels.serve",
                "--model",
                str(self.model),
                "--endpoints",
                str(endpoints),
                "--credentials",
                str(self.credentials),
            ],
        )

    def start_console(self) -> None:
        self.say(f"Starting the staff console on port {self.settings.console.port}...")
        self._spawn("console", [sys.executable, "-m", "bot", "console", "serve"], self.console_env)

    def wait_until_ready(self, timeout: float = 300) -> None:
        """Block until both servers answer.

        Raises:
            RuntimeError: if a process exits or the servers do not answer within ``timeout`` seconds.
        """
        checks = {
            "actions": f"http://{self.settings.host}:{self.settings.action_port}/health",
            "rasa": f"{self.rasa_url}/status",
            "console": f"http://{self.settings.host}:{self.settings.console.port}/console/health",
        }
        deadline = time.monotonic() + timeout
        pending = {name: url for name, url in checks.items() if name in self.processes}
        while pending:
            for name, url in list(pending.items()):
                if self.processes[name].poll() is not None:
                    raise RuntimeError(f"{name} exited early; see {self.log_dir / (name + '.log')}")
                if _answers(url, self.api_headers() if name == "rasa" else {}):
                    self.say(f"  {name} is ready.")
                    del pending[name]
            if pending and time.monotonic() > deadline:
                raise RuntimeError(f"not ready after {timeout:.0f}s: {', '.join(pending)}; see {self.log_dir}")
            time.sleep(1)

    def start(self) -> None:
        """Start the servers and the console and wait until they answer."""
        self.start_actions()
        self.start_rasa()
        self.start_console()
        self.wait_until_ready()

    def stop(self, names: tuple[str, ...] = ("console", "rasa", "actions")) -> None:
        """Stop the named processes (all by default): SIGTERM, then SIGKILL after 20 s."""
        for name in names:
            process = self.processes.pop(name, None)
            if process is None or process.poll() is not None:
                continue
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _answers(url: str, headers: dict[str, str]) -> bool:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def prepare_database(settings: Settings) -> None:
    """Migrate, and load the sample knowledge base into an empty one (tests, benchmarks)."""
    from bot.core.db import make_engine, make_session_factory
    from bot.core.migrate import upgrade
    from bot.faq.store import catalogue_version
    from bot.faq.transfer import import_file

    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    if catalogue_version(factory) == 0:
        import_file(factory, settings.project_root / "kb" / "sample-faq.csv", actor="setup")
    engine.dispose()


def own_environment(folder: Path, **overrides: str) -> dict[str, str]:
    """Settings for an assistant of its own (a test, a benchmark, a tool beside a running one): its SQLite
    file in ``folder``, no Redis, a fresh API token, free ports; ``overrides`` on top."""
    rasa, actions, console = free_ports(3)
    return {
        "DATABASE_URL": f"sqlite:///{folder / 'hotline.sqlite3'}",
        "REDIS_URL": "",
        "RASA_AUTH_TOKEN": uuid.uuid4().hex,
        "RASA_PORT": str(rasa),
        "ACTION_PORT": str(actions),
        "CONSOLE_PORT": str(console),
        **overrides,
    }


def start_stack(env: dict[str, str], log_dir: Path, *, credentials: Path | None = None) -> Stack:
    """A whole assistant configured only by ``env`` (tests, benchmarks): migrate, load the sample
    knowledge base into an empty database, make sure the model exists, start every process.

    The processes read their settings from the environment, as in production.
    """
    from bot.runtime.training import ensure_model

    settings = load_settings(env, env_file=Path("/nonexistent"))
    prepare_database(settings)
    stack = Stack(
        settings=settings,
        model=ensure_model(settings.project_root),
        credentials=credentials or credentials_file(settings.project_root),
        log_dir=log_dir,
        child_env=env,
    )
    try:
        stack.start()
    except Exception:
        stack.stop()
        raise
    return stack
