"""The deployment files for container platforms stay true to what the tested profile runs."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.core.config import load_settings
from bot.runtime.endpoints import rasa_endpoints

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_the_container_endpoints_are_what_bot_endpoints_writes_for_the_redis_service():
    settings = load_settings(
        {"REDIS_URL": "redis://redis:6379/0", "DATABASE_URL": "postgresql://h@postgres/hotline"}, env_file=Path("/nonexistent")
    )
    expected = rasa_endpoints(settings)
    shipped = yaml.safe_load((DEPLOY / "endpoints.production.yml").read_text(encoding="utf-8"))
    expected["action_endpoint"]["url"] = "http://actions:5055/webhook"  # the actions service, not this host
    expected["event_broker"]["url"] = "${DATABASE_URL}"  # filled in by Rasa from the environment
    assert shipped == expected


def test_every_kubernetes_server_has_liveness_and_readiness_probes():
    documents = list(yaml.safe_load_all((DEPLOY / "kubernetes" / "hotline.yaml").read_text(encoding="utf-8")))
    deployments = [d for d in documents if d["kind"] == "Deployment"]
    assert {d["metadata"]["name"] for d in deployments} == {"rasa", "actions", "console"}
    for deployment in deployments:
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
        assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
