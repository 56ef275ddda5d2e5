"""deploy/: the compose file and the Kubernetes manifests parse and use only real settings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from lotse import PROJECT_ROOT
from lotse.cli import SERVABLE_PARTS
from lotse.config import Settings

DEPLOY = PROJECT_ROOT / "deploy"
SETTING_NAMES = {f"LOTSE_{name.upper()}" for name in Settings.__fields__}
LOTSE_VARIABLE = re.compile(r"\bLOTSE_[A-Z_]+\b")


def documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def compose() -> dict:
    return documents(DEPLOY / "compose.yaml")[0]


def manifests() -> list[dict]:
    return [doc for path in sorted((DEPLOY / "k8s").glob("*.yaml")) for doc in documents(path)]


def containers() -> list[dict]:
    return [
        container
        for doc in manifests()
        if doc["kind"] == "Deployment"
        for container in doc["spec"]["template"]["spec"]["containers"]
    ]


def test_every_lotse_variable_in_deploy_files_is_a_setting() -> None:
    seen = set()
    for path in [DEPLOY / "compose.yaml", *(DEPLOY / "k8s").glob("*.yaml")]:
        used = set(LOTSE_VARIABLE.findall(path.read_text(encoding="utf-8")))
        assert used <= SETTING_NAMES, f"{path.name}: not settings: {used - SETTING_NAMES}"
        seen |= used
    for needed in ("DATABASE_URL", "TRACKER_STORE_URL", "REDIS_URL", "RASA_URLS", "CHANNEL_TOKEN"):
        assert f"LOTSE_{needed}" in seen


def test_compose_runs_postgres_redis_two_rasa_servers_actions_and_web() -> None:
    services = compose()["services"]
    assert {"postgres", "redis", "rasa-1", "rasa-2", "actions", "web"} <= set(services)
    web = services["web"]["environment"]
    assert web["LOTSE_DATABASE_URL"].startswith("postgresql://")
    assert web["LOTSE_TRACKER_STORE_URL"].startswith("postgresql://")
    assert web["LOTSE_REDIS_URL"].startswith("redis://redis:")
    assert Settings(rasa_urls=json.loads(web["LOTSE_RASA_URLS"])).rasa_replica_urls == [
        "http://rasa-1:5005",
        "http://rasa-2:5005",
    ]
    for name in ("rasa-1", "rasa-2", "actions", "web"):
        command = services[name]["command"]
        assert command[:2] == ["lotse", "serve"] and command[2] in SERVABLE_PARTS
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
        assert "healthcheck" in services[name]
    assert (DEPLOY / "Dockerfile").read_text().count("lotse serve") >= 1


def test_k8s_deployments_have_probes_on_health_routes_and_services() -> None:
    kinds = [(doc["kind"], doc["metadata"]["name"]) for doc in manifests()]
    for part in ("web", "rasa", "actions"):
        assert ("Deployment", f"lotse-{part}") in kinds
        assert ("Service", f"lotse-{part}") in kinds
    assert ("ConfigMap", "lotse-config") in kinds
    routes = {"/livez", "/webhooks/lotse/", "/health"}
    for container in containers():
        assert container["command"][:2] == ["lotse", "serve"]
        assert container["readinessProbe"]["httpGet"]["path"] in routes
        refs = [next(iter(source.values()))["name"] for source in container["envFrom"]]
        assert refs == ["lotse-config", "lotse-secrets"]


def test_k8s_services_select_their_deployments() -> None:
    docs = manifests()
    labels = {
        doc["metadata"]["name"]: doc["spec"]["template"]["metadata"]["labels"]
        for doc in docs
        if doc["kind"] == "Deployment"
    }
    for service in (doc for doc in docs if doc["kind"] == "Service"):
        selector = service["spec"]["selector"]
        assert selector.items() <= labels[service["metadata"]["name"]].items()
