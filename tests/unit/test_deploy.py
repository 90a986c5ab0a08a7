"""The deployment artefacts agree with `make install`, the server and each other.

No Docker engine runs in CI, so the image is never built there: these tests read the
Dockerfile instead, and validate the Kubernetes manifests against the schemas shipped
with kubernetes-validate (offline).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes_validate import utils as k8s_validate
from packaging.requirements import Requirement

from azsql_mcp.core.config import load_settings
from azsql_mcp.version import __version__

ROOT = Path(__file__).resolve().parents[2]
K8S_DIR = ROOT / "deploy" / "kubernetes"
ACA_FILE = ROOT / "deploy" / "azure-container-apps" / "containerapp.yaml"
# The oldest Kubernetes minor the manifests target (preStop `sleep` needs 1.30).
KUBERNETES_VERSION = "1.30"
# Served by the core: /health is readiness (503 while a source is not ready), /health/live
# is liveness (the process answers, whatever the database does).
READINESS_PATH = "/health"
LIVENESS_PATH = "/health/live"
# The image's listener, from its environment (so `check` and `config` see it as `serve` does)
LISTENER = {
    "AZSQL_MCP_SERVER__TRANSPORT": "http",
    "AZSQL_MCP_SERVER__HOST": "0.0.0.0",
    "AZSQL_MCP_SERVER__PORT": "8000",
}


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str


@dataclass(frozen=True)
class Dockerfile:
    instructions: list[Instruction]
    heredocs: dict[str, str]  # destination path -> content, from `COPY <<'EOF' DEST`

    def all(self, keyword: str) -> list[str]:
        return [i.args for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> str:
        found = self.all(keyword)
        assert found, f"Dockerfile has no {keyword}"
        return found[-1]

    def env(self) -> dict[str, str]:
        pairs = (shlex.split(args) for args in self.all("ENV"))
        return dict(pair.split("=", 1) for words in pairs for pair in words)


def parse_dockerfile(path: Path) -> Dockerfile:
    """Instructions with continuation lines joined; heredoc bodies kept apart."""
    instructions: list[Instruction] = []
    heredocs: dict[str, str] = {}
    lines = iter(path.read_text().splitlines())
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        while line.endswith("\\"):
            line = line[:-1] + " " + next(lines).strip()
        keyword, _, args = line.strip().partition(" ")
        heredoc = re.match(r"<<'?(\w+)'?\s+(\S+)$", args)
        if heredoc:
            marker, destination = heredoc.groups()
            body = []
            for body_line in lines:
                if body_line == marker:
                    break
                body.append(body_line)
            heredocs[destination] = "\n".join(body) + "\n"
        instructions.append(Instruction(keyword.upper(), args.strip()))
    return Dockerfile(instructions, heredocs)


def exec_form(args: str) -> list[str]:
    parsed = yaml.safe_load(args)  # a JSON array is valid YAML
    assert isinstance(parsed, list), f"use the exec (JSON array) form, not {args!r}"
    return [str(word) for word in parsed]


def makefile_variable(name: str) -> str:
    match = re.search(rf"^{name}\s*:?=\s*(.+)$", (ROOT / "Makefile").read_text(), re.M)
    assert match, f"Makefile defines no {name}"
    return match.group(1).strip()


def pip_extras(text: str) -> set[str]:
    """Extras of the project installed by a `pip install ... '.[a,b]'` line."""
    match = re.search(r"pip install\b[^\n]*?'\.\[([^\]]+)\]'", text)
    assert match, "no `pip install '.[extras]'` found"
    return {extra.strip() for extra in match.group(1).split(",")}


def runtime_extras(extras: set[str]) -> set[str]:
    """The project's own extras that the given extras pull in (`azsql-mcp[x]` entries)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pulled: set[str] = set()
    for extra in extras:
        for spec in project["optional-dependencies"][extra]:
            requirement = Requirement(spec)
            if requirement.name == project["name"]:
                pulled |= requirement.extras
    return pulled


def manifests() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted(K8S_DIR.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            for document in yaml.safe_load_all(path.read_text()):
                yield path.name, document


def manifest(kind: str) -> dict[str, Any]:
    (found,) = [doc for _, doc in manifests() if doc["kind"] == kind]
    return found


def container() -> dict[str, Any]:
    (only,) = manifest("Deployment")["spec"]["template"]["spec"]["containers"]
    return only


@pytest.fixture(scope="module")
def dockerfile() -> Dockerfile:
    return parse_dockerfile(ROOT / "Dockerfile")


# --- the image installs what `make install` installs --------------------------------


def test_dockerfile_installs_exactly_the_makefile_debian_packages(dockerfile: Dockerfile) -> None:
    (install,) = [run for run in dockerfile.all("RUN") if "apt-get install" in run]
    command = install.split("apt-get install", 1)[1].split("&&", 1)[0]
    packages = [word for word in command.split() if not word.startswith("-")]
    assert packages == makefile_variable("DEB_PACKAGES").split()


def test_dockerfile_installs_the_runtime_part_of_make_install_extras(
    dockerfile: Dockerfile,
) -> None:
    # `make install` takes .[dev]; the image takes the project's own extras that dev pulls
    # in (msodbc: Microsoft's ODBC driver), without the test and lint tools.
    make_extras = pip_extras((ROOT / "Makefile").read_text())
    image_extras = pip_extras("\n".join(f"RUN {run}" for run in dockerfile.all("RUN")))
    assert make_extras == {"dev"}
    assert image_extras == runtime_extras(make_extras) == {"msodbc"}


def test_dockerfile_is_multi_stage_on_debian_python_3_11_slim(dockerfile: Dockerfile) -> None:
    base = dockerfile.last("ARG").split("=", 1)[1]
    assert base.startswith("python:3.11-slim")
    assert len(dockerfile.all("FROM")) == 2
    assert any(copy.startswith("--from=builder /opt/venv") for copy in dockerfile.all("COPY"))


def test_image_runs_the_http_server_as_non_root_with_a_healthcheck(
    dockerfile: Dockerfile,
) -> None:
    user = dockerfile.last("USER").split(":")[0]
    assert user not in {"root", "0"}
    assert (
        int(user)
        == manifest("Deployment")["spec"]["template"]["spec"]["securityContext"]["runAsUser"]
    )
    assert dockerfile.all("EXPOSE") == ["8000"]
    healthcheck = dockerfile.last("HEALTHCHECK")
    assert f"http://127.0.0.1:8000{READINESS_PATH}'" in healthcheck
    assert "urllib.request" in healthcheck
    command = exec_form(dockerfile.last("ENTRYPOINT")) + exec_form(dockerfile.last("CMD"))
    assert command == ["azsql-mcp", "serve"]
    assert LISTENER.items() <= dockerfile.env().items()


def test_the_image_builds_its_wheel_with_the_license_and_docs(dockerfile: Dockerfile) -> None:
    # setuptools puts the files of its default license-files globs and of data-files into
    # the wheel: an image whose build context lacks them ships a package without them
    copied = {source for copy in dockerfile.all("COPY") for source in copy.split()[:-1]}
    licenses = {path.name for path in ROOT.glob("LICEN[CS]E*")}
    assert licenses and licenses <= copied
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    data = {glob.split("/")[0] for globs in setuptools["data-files"].values() for glob in globs}
    assert data == {"docs"} and data <= copied


def test_image_default_config_turns_on_stateless_http(dockerfile: Dockerfile) -> None:
    config_path = dockerfile.env()["AZSQL_MCP_CONFIG"]
    default = tomllib.loads(dockerfile.heredocs[config_path])
    assert default == {"server": {"stateless_http": True}}


def test_dockerignore_keeps_everything_the_build_copies(dockerfile: Dockerfile) -> None:
    kept = {
        line[1:].rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    copied = {
        source.rstrip("/")
        for copy in dockerfile.all("COPY")
        if not copy.startswith(("--from", "<<"))
        for source in copy.split()[:-1]
    }
    assert copied == kept


# --- Kubernetes ----------------------------------------------------------------------


@pytest.mark.parametrize(("filename", "document"), list(manifests()))
def test_manifest_is_valid_for_kubernetes(filename: str, document: dict[str, Any]) -> None:
    try:
        k8s_validate.validate(document, KUBERNETES_VERSION, strict=True)
    except k8s_validate.ValidationError as error:
        where = ".".join(str(part) for part in error.path)
        pytest.fail(f"{filename}: {where}: {error.message}")


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S_DIR / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == sorted(
        path.name for path in K8S_DIR.glob("*.yaml") if path.name != "kustomization.yaml"
    )


async def test_the_server_answers_both_probe_paths() -> None:
    import httpx

    from azsql_mcp.core.assembly import build_app
    from azsql_mcp.core.config import settings_from_mapping
    from azsql_mcp.serving.http import http_app

    # A source that is never reachable: readiness says 503, liveness still 200.
    source = {"server": "127.0.0.1,1", "username": "u", "password": "p"}
    app = build_app(settings_from_mapping({"sources": {"main": source}}))
    transport = httpx.ASGITransport(app=http_app(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        live = await client.get(LIVENESS_PATH)
        ready = await client.get(READINESS_PATH)
    assert live.status_code == 200
    assert ready.status_code == 503 and ready.json()["sources"]["main"]["ready"] is False


def test_probes_use_the_paths_the_server_serves() -> None:
    probes = container()
    assert probes["readinessProbe"]["httpGet"]["path"] == READINESS_PATH
    assert probes["livenessProbe"]["httpGet"]["path"] == LIVENESS_PATH
    assert probes["startupProbe"]["httpGet"]["path"] == LIVENESS_PATH
    for kind in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert probes[kind]["httpGet"]["port"] == "http"
    assert probes["ports"] == [{"name": "http", "containerPort": 8000}]


def test_service_sends_port_80_to_the_server() -> None:
    spec = manifest("Service")["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["ports"] == [{"name": "http", "port": 80, "targetPort": "http"}]
    assert spec["selector"] == manifest("Deployment")["spec"]["selector"]["matchLabels"]


def test_deployment_is_replicated_hardened_and_bounded() -> None:
    pod = manifest("Deployment")["spec"]["template"]["spec"]
    assert manifest("Deployment")["spec"]["replicas"] == 2
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container()["securityContext"]["readOnlyRootFilesystem"] is True
    assert container()["securityContext"]["allowPrivilegeEscalation"] is False
    assert set(container()["resources"]) == {"requests", "limits"}
    assert pod["terminationGracePeriodSeconds"] > 30  # the default query timeout


def test_deployment_uses_workload_identity() -> None:
    template = manifest("Deployment")["spec"]["template"]
    account = manifest("ServiceAccount")
    assert template["metadata"]["labels"]["azure.workload.identity/use"] == "true"
    assert template["spec"]["serviceAccountName"] == account["metadata"]["name"]
    assert "azure.workload.identity/client-id" in account["metadata"]["annotations"]


def test_configmap_is_mounted_where_the_image_reads_its_config(dockerfile: Dockerfile) -> None:
    config_path = Path(dockerfile.env()["AZSQL_MCP_CONFIG"])
    configmap = manifest("ConfigMap")
    assert list(configmap["data"]) == [config_path.name]
    pod = manifest("Deployment")["spec"]["template"]["spec"]
    (volume,) = [v for v in pod["volumes"] if "configMap" in v]
    assert volume["configMap"]["name"] == configmap["metadata"]["name"]
    (mount,) = [m for m in container()["volumeMounts"] if m["name"] == volume["name"]]
    # A directory mount (no subPath), so edits reach the running pods for hot reload.
    assert mount == {"name": volume["name"], "mountPath": str(config_path.parent), "readOnly": True}


def test_configmap_config_is_stateless_entra_and_workload_identity() -> None:
    config = tomllib.loads(manifest("ConfigMap")["data"]["azsql-mcp.toml"])
    assert config["server"]["stateless_http"] is True
    assert config["server"]["auth"]["mode"] == "entra"
    # base_url: on 0.0.0.0 the server cannot know the URL its 401s must advertise.
    assert {"tenant_id", "audience", "base_url"} <= set(config["server"]["auth"])
    (source,) = config["sources"].values()
    assert source["auth"] == "default_credential"


# --- Azure Container Apps -----------------------------------------------------------


def test_container_app_uses_a_managed_identity_and_the_server_probes() -> None:
    app = yaml.safe_load(ACA_FILE.read_text())
    assert app["identity"]["type"] == "UserAssigned"
    (identity,) = app["identity"]["userAssignedIdentities"]
    configuration = app["properties"]["configuration"]
    assert configuration["ingress"]["targetPort"] == 8000
    assert configuration["ingress"]["stickySessions"] == {"affinity": "none"}
    assert configuration["registries"][0]["identity"] == identity
    (app_container,) = app["properties"]["template"]["containers"]
    env = {item["name"]: item["value"] for item in app_container["env"]}
    assert env["AZSQL_MCP_SOURCES__MAIN__AUTH"] == "managed_identity"
    assert "AZSQL_MCP_SOURCES__MAIN__CLIENT_ID" in env
    probes = {probe["type"]: probe for probe in app_container["probes"]}
    assert probes["Readiness"]["httpGet"]["path"] == READINESS_PATH
    assert probes["Liveness"]["httpGet"]["path"] == LIVENESS_PATH
    assert probes["Startup"]["httpGet"]["path"] == LIVENESS_PATH
    assert all(1 <= probe["failureThreshold"] <= 10 for probe in probes.values())
    assert app["properties"]["template"]["scale"]["minReplicas"] >= 2


# --- the configs load with the server's own settings --------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith(("AZSQL_MCP_", "AZURE_SQL_", "MCP_")):
            monkeypatch.delenv(name)
    return monkeypatch


def test_deployment_configs_load_with_the_server_settings(
    dockerfile: Dockerfile, clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    kubernetes = tmp_path / "kubernetes.toml"
    kubernetes.write_text(manifest("ConfigMap")["data"]["azsql-mcp.toml"])
    assert load_settings(str(kubernetes), {}).sources["main"].auth == "default_credential"

    # Container Apps: the image's default file plus AZSQL_MCP_* variables.
    image_default = tmp_path / "image.toml"
    image_default.write_text(dockerfile.heredocs[dockerfile.env()["AZSQL_MCP_CONFIG"]])
    (aca,) = yaml.safe_load(ACA_FILE.read_text())["properties"]["template"]["containers"]
    for item in aca["env"]:
        clean_env.setenv(item["name"], item["value"])
    for name, value in LISTENER.items():
        clean_env.setenv(name, value)
    settings = load_settings(str(image_default), {})
    assert settings.server.stateless_http is True
    assert settings.sources["main"].auth == "managed_identity"
    assert (settings.server.transport, settings.server.host, settings.server.port) == (
        "http",
        "0.0.0.0",
        8000,
    )


def test_check_in_the_image_judges_its_listener(
    dockerfile: Dockerfile, clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`docker run IMAGE check` with the image's own config says what stops `serve`: a
    listener on every interface needs client authentication."""
    image_default = tmp_path / "image.toml"
    image_default.write_text(dockerfile.heredocs[dockerfile.env()["AZSQL_MCP_CONFIG"]])
    image_env = {k: v for k, v in dockerfile.env().items() if k.startswith("AZSQL_MCP_")}
    env = {**os.environ, **image_env, "AZSQL_MCP_CONFIG": str(image_default)}
    done = subprocess.run(
        [sys.executable, "-m", "azsql_mcp", "check"],
        env={k: v for k, v in env.items() if not k.startswith(("AZURE_SQL_", "MCP_"))},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "'0.0.0.0' is not a loopback address" in done.stderr, done.stderr


def test_each_deployment_accepts_the_host_its_clients_are_told(
    dockerfile: Dockerfile, clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """On 0.0.0.0 a Host header outside `allowed_hosts` (and loopback, and the pod's
    address, which probes use) gets 421: the name of `base_url`, which 401s send clients
    to, must be listed, or every client call through the ingress is refused."""
    from urllib.parse import urlsplit

    kubernetes = tmp_path / "kubernetes.toml"
    kubernetes.write_text(manifest("ConfigMap")["data"]["azsql-mcp.toml"])
    image_default = tmp_path / "image.toml"
    image_default.write_text(dockerfile.heredocs[dockerfile.env()["AZSQL_MCP_CONFIG"]])
    (aca,) = yaml.safe_load(ACA_FILE.read_text())["properties"]["template"]["containers"]
    for name, path, env in (
        ("ConfigMap", kubernetes, []),
        ("Container Apps", image_default, aca["env"]),
    ):
        for item in env:
            clean_env.setenv(item["name"], item["value"])
        server = load_settings(str(path), {}).server
        host = urlsplit(server.auth.base_url).hostname
        assert host in server.allowed_hosts, f"{name}: allowed_hosts lacks {host}"


def test_the_module_runs_the_command() -> None:
    """`python -m azsql_mcp`, for a client config that names an interpreter."""
    done = subprocess.run(
        [sys.executable, "-m", "azsql_mcp", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert __version__ in done.stdout


def test_the_license_the_metadata_names_ships() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
