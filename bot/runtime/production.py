"""The production profile on one machine: several replicas of each server behind nginx.

``python -m bot run-prod`` (``make run-prod``) starts ``REPLICAS`` (default 2) Rasa servers, action
servers and staff consoles and one nginx in front of them, all sharing Redis (tracker and lock stores,
socket.io between replicas, open web chat pages, channel memory) and PostgreSQL (tickets, events,
job leases). It refuses to start without them. Ports, from ``PUBLIC_PORT`` (default 8080):

    PUBLIC_PORT              nginx: web chat, channels, Rasa API (round robin; socket.io sticky per client
                             address), /console/ (round robin); /metrics is not served to the outside
    PUBLIC_PORT + 1          nginx: the action servers, for the Rasa replicas (loopback only)
    PUBLIC_PORT + 100 + 10i  replica i's Rasa server; + 1 its action server; + 2 its console

Consoles reach Rasa through nginx; a replica that stops is skipped (``proxy_next_upstream``), and a
request whose connection failed is passed to the next one. nginx comes from Debian's ``nginx`` package.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.core.config import ProductionSettings, Settings, load_settings
from bot.runtime.runner import Stack, credentials_file, prepare_database

DEFAULT_REPLICAS = ProductionSettings.replicas
DEFAULT_PUBLIC_PORT = ProductionSettings.public_port


class ProductionUnavailable(RuntimeError):
    """What the machine lacks for the production profile, in a sentence for the operator."""


def replica_ports(public_port: int, index: int) -> dict[str, int]:
    base = public_port + 100 + 10 * index
    return {"RASA_PORT": base, "ACTION_PORT": base + 1, "CONSOLE_PORT": base + 2}


def free_public_port(host: str = "127.0.0.1", replicas: int = DEFAULT_REPLICAS) -> int:
    """A public port whose balancer, action and replica ports are all free here (tests, benchmarks)."""
    for base in range(21000, 60000, 397):
        ports = [base, base + 1] + [p for i in range(replicas) for p in replica_ports(base, i).values()]
        if all(_free(host, p) for p in ports):
            return base
    raise RuntimeError("no free range of ports")


def _free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
            return True
        except OSError:
            return False


def nginx_binary() -> str | None:
    """Debian's nginx (on PATH, or in /usr/sbin, which a non-root PATH may lack); None when not installed."""
    return shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


def write_nginx_config(work_dir: Path, host: str, public_port: int, replicas: int) -> Path:
    """nginx.conf (and the temp folders it names) in ``work_dir``; returns the file."""
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (work_dir / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    config = work_dir / "nginx.conf"
    config.write_text(nginx_config(host, public_port, replicas, work_dir.resolve()), encoding="utf-8")
    return config


def check_requirements(settings: Settings) -> str:
    """The nginx binary; raises ProductionUnavailable when Redis, PostgreSQL or nginx is missing."""
    if not settings.redis_url:
        raise ProductionUnavailable("REDIS_URL is not set: replicas share conversations through Redis")
    if not settings.database_url.startswith("postgresql"):
        raise ProductionUnavailable("DATABASE_URL must be PostgreSQL: SQLite is for one process on one machine")
    nginx = nginx_binary()
    if nginx is None:
        raise ProductionUnavailable("nginx is not installed (Debian: apt-get install nginx)")
    return nginx


def nginx_config(host: str, public_port: int, replicas: int, work_dir: Path) -> str:
    """nginx.conf for ``replicas`` replicas on this machine."""
    ports = [replica_ports(public_port, i) for i in range(replicas)]

    def servers(kind: str) -> str:
        return "\n".join(f"    server {host}:{p[kind]} max_fails=1 fail_timeout=5s;" for p in ports)

    temp = work_dir / "tmp"
    return f"""# Written by bot/runtime/production.py; regenerated at every start.
worker_processes 2;
pid {work_dir / "nginx.pid"};
error_log {work_dir / "nginx-error.log"} warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {temp / "body"};
  proxy_temp_path {temp / "proxy"};
  fastcgi_temp_path {temp / "fastcgi"};
  uwsgi_temp_path {temp / "uwsgi"};
  scgi_temp_path {temp / "scgi"};
  client_max_body_size 1m;
  proxy_read_timeout 60s;
  # Bodies and answers stream through memory, never temp files (the workers may run as another user).
  proxy_request_buffering off;
  proxy_max_temp_file_size 0;
  client_body_buffer_size 1m;
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
  # least_conn (state shared by the workers): a message goes to the replica with the fewest in flight, so
  # one slow turn (a form, a long appeal) does not queue the next ones behind it as round robin would.
  upstream rasa {{
    least_conn;
    zone rasa 64k;
{servers("RASA_PORT")}
    keepalive 64;
  }}
  upstream rasa_sticky {{
    ip_hash;  # socket.io's polling transport must stay on the replica that holds its session
{servers("RASA_PORT")}
  }}
  upstream consoles {{
    least_conn;
    zone consoles 64k;
{servers("CONSOLE_PORT")}
    keepalive 16;
  }}
  upstream actions {{
    least_conn;
    zone actions 64k;
{servers("ACTION_PORT")}
    keepalive 64;
  }}
  server {{
    listen {host}:{public_port};
    proxy_http_version 1.1;
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header Connection "";
    proxy_next_upstream error timeout http_502 http_503;
    location = /metrics {{ return 404; }}
    location /console/ {{
      client_max_body_size 8m;
      client_body_buffer_size 8m;
      proxy_pass http://consoles;
    }}
    location /socket.io/ {{
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_pass http://rasa_sticky;
    }}
    location / {{ proxy_pass http://rasa; }}
  }}
  server {{
    listen {host}:{public_port + 1};
    client_max_body_size 32m;
    client_body_buffer_size 32m;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_next_upstream error timeout http_502 http_503;
    location / {{ proxy_pass http://actions; }}
  }}
}}
"""


@dataclass
class Replicas:
    """Replicas of the action server, Rasa and the console, and nginx in front, as child processes."""

    settings: Settings
    model: Path
    credentials: Path
    log_dir: Path
    replicas: int = DEFAULT_REPLICAS
    public_port: int = DEFAULT_PUBLIC_PORT
    say: Callable[[str], None] = print
    child_env: dict[str, str] = field(default_factory=dict)
    stacks: list[Stack] = field(default_factory=list)
    nginx: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.settings.host}:{self.public_port}"

    def _stack(self, index: int) -> Stack:
        ports = replica_ports(self.public_port, index)
        env = {**self.child_env, **{k: str(v) for k, v in ports.items()}, "TRUSTED_PROXIES": "1"}
        settings = replace(
            self.settings,
            rasa_port=ports["RASA_PORT"],
            action_port=ports["ACTION_PORT"],
            console=replace(self.settings.console, port=ports["CONSOLE_PORT"]),
        )
        stack = Stack(
            settings=settings,
            model=self.model,
            credentials=self.credentials,
            log_dir=self.log_dir / f"replica-{index}",
            say=self.say,
            child_env=env,
            action_url=f"http://{self.settings.host}:{self.public_port + 1}/webhook",
            console_env={"RASA_PORT": str(self.public_port)},
        )  # consoles reach Rasa through nginx
        return stack

    def start(self) -> None:
        nginx = check_requirements(self.settings)
        self.stacks = [self._stack(i) for i in range(self.replicas)]
        for stack in self.stacks:
            stack.start_actions()
            stack.start_rasa()
            stack.start_console()
        self._start_nginx(nginx)
        for stack in self.stacks:
            stack.wait_until_ready()
        self._wait_for_balancer()

    def _start_nginx(self, nginx: str) -> None:
        work = self.log_dir / "nginx"
        config = write_nginx_config(work, self.settings.host, self.public_port, self.replicas)
        self.say(f"Starting nginx on port {self.public_port} in front of {self.replicas} replicas...")
        with open(work / "nginx.log", "ab") as log:
            self.nginx = subprocess.Popen(
                [nginx, "-p", str(work.resolve()), "-c", str(config.resolve()), "-g", "daemon off;"],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _wait_for_balancer(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.nginx is not None and self.nginx.poll() is not None:
                raise RuntimeError(f"nginx exited; see {self.log_dir / 'nginx'}")
            try:
                with urllib.request.urlopen(f"{self.url}/console/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("nginx does not answer")

    def processes(self) -> dict[str, subprocess.Popen]:
        found = {f"{name}-{i}": p for i, stack in enumerate(self.stacks) for name, p in stack.processes.items()}
        if self.nginx is not None:
            found["nginx"] = self.nginx
        return found

    def kill(self, name: str, index: int) -> None:
        """Stop one replica's process at once (SIGKILL), as a crash would."""
        process = self.stacks[index].processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        if self.nginx is not None and self.nginx.poll() is None:
            os.killpg(self.nginx.pid, signal.SIGTERM)
            self.nginx.wait(timeout=20)
        for stack in self.stacks:
            stack.stop()


def start_replicas(env: dict[str, str], log_dir: Path, *, public_port: int | None = None) -> Replicas:
    """The production profile configured only by ``env`` (tests, benchmarks), like ``start_stack``."""
    from bot.runtime.training import ensure_model

    settings = load_settings(env, env_file=Path("/nonexistent"))
    prepare_database(settings)
    replicas = Replicas(
        settings=settings,
        model=ensure_model(settings.project_root),
        credentials=credentials_file(settings.project_root),
        log_dir=log_dir,
        public_port=public_port or free_public_port(settings.host),
        child_env=env,
    )
    try:
        replicas.start()
    except Exception:
        replicas.stop()
        raise
    return replicas
