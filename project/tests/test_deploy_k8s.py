"""The Kubernetes manifests (deploy/k8s) build offline, are valid, and run what the Procfile runs.

`kubectl kustomize` builds the base and the production overlay (with the example secrets);
kubernetes-validate checks every resource against Kubernetes' own schemas, and KEDA's CRD
schema (vendored in deploy/k8s/schemas) checks the ScaledObject. No cluster is needed.
"""

import base64
import copy
import re
import shlex
import subprocess
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from project.tests.deploy_files import BASE_DIR, kustomize_build, procfile

# The oldest Kubernetes the manifests are meant for, and the newest kubernetes-validate knows.
KUBERNETES_VERSIONS = ("1.30", kubernetes_validate.utils.latest_version())
KEDA_SCHEMA = BASE_DIR / "deploy" / "k8s" / "schemas" / "keda.sh_scaledobjects_v1alpha1.yaml"
# What the Secret must carry (the contract's names); SECRET_KEY and the URLs carry passwords.
SECRET_NAMES = {
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "METRICS_TOKEN",
    "FLOWER_BASIC_AUTH",
}
# Set by the manifests for Kubernetes' sake, not settings of the service.
DEPLOY_ONLY_NAMES = {"POD_IP", "PROMETHEUS_MULTIPROC_DIR", "KEDA_REDIS_PASSWORD", "FLOWER_PORT"}
# The contract's variables ("Configuration") that .env.example does not list yet: none.
CONTRACT_NAMES: set[str] = set()
PLACEHOLDER = "change-me"
# Paths inside the containers, not on this machine.
TMP = "/tmp"  # noqa: S108
SHM = "/dev/shm"  # noqa: S108
METRICS_DIR = f"{TMP}/metrics"


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> list[dict]:
    return kustomize_build("overlays/production", tmp_path_factory.mktemp("kustomize"))


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> list[dict]:
    return kustomize_build("base", tmp_path_factory.mktemp("kustomize"))


def find(resources: list[dict], kind: str, name: str) -> dict:
    [found] = [r for r in resources if r["kind"] == kind and r["metadata"]["name"] == name]
    return found


def generated(resources: list[dict], kind: str, name: str) -> dict:
    """A ConfigMap or Secret of a generator: its name ends in a hash of its content."""
    [found] = [
        r
        for r in resources
        if r["kind"] == kind and re.fullmatch(rf"{name}-[a-z0-9]{{10}}", r["metadata"]["name"])
    ]
    return found


def pod_templates(resources: list[dict]) -> dict[str, dict]:
    return {
        r["metadata"]["name"]: r["spec"]["template"]
        for r in resources
        if r["kind"] in {"Deployment", "Job"}
    }


def container(resources: list[dict], deployment: str) -> dict:
    return find(resources, "Deployment", deployment)["spec"]["template"]["spec"]["containers"][0]


def secret_values(resources: list[dict]) -> dict[str, str]:
    secret = generated(resources, "Secret", "referral-secrets")
    return {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}


def strict(schema: dict) -> dict:
    """The schema, refusing fields it does not name, as the API server does with strict
    field validation (`kubectl apply --validate=strict`); plain JSON Schema would accept them.
    """
    schema = copy.deepcopy(schema)

    def close(node):
        if isinstance(node, dict):
            if (
                "properties" in node
                and "additionalProperties" not in node
                and not node.get("x-kubernetes-preserve-unknown-fields")
            ):
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(schema)
    return schema


def keda_validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(strict(yaml.safe_load(KEDA_SCHEMA.read_text())))


def test_production_builds_every_process_and_what_runs_it(production):
    names = {(r["kind"], r["metadata"]["name"]) for r in production}
    assert {
        ("Namespace", "referral"),
        ("Deployment", "referral-web"),
        ("Deployment", "referral-worker"),
        ("Deployment", "referral-beat"),
        ("Deployment", "referral-flower"),
        ("Job", "referral-migrate"),
        ("Service", "referral-web"),
        ("Service", "referral-worker-metrics"),
        ("Service", "referral-flower"),
        ("HorizontalPodAutoscaler", "referral-web"),
        ("ScaledObject", "referral-worker"),
        ("PodDisruptionBudget", "referral-web"),
        ("PodDisruptionBudget", "referral-worker"),
        ("Ingress", "referral-web"),
    } <= names
    generated(production, "ConfigMap", "referral-config")
    generated(production, "Secret", "referral-secrets")
    assert {r["metadata"].get("namespace") for r in production if r["kind"] != "Namespace"} == {
        "referral"
    }


def test_base_builds_everything_but_the_secret(base):
    kinds = {r["kind"] for r in base}
    assert {"Deployment", "Job", "Service", "HorizontalPodAutoscaler", "ScaledObject"} <= kinds
    assert {"PodDisruptionBudget", "ConfigMap"} <= kinds
    assert "Secret" not in kinds


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("build", ["base", "production"])
def test_every_resource_is_valid_against_the_kubernetes_schemas(build, version, request):
    for resource in request.getfixturevalue(build):
        if resource["apiVersion"].startswith("keda.sh/"):
            continue  # KEDA's own schema: the next test
        try:
            kubernetes_validate.validate(resource, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            where = ".".join(str(part) for part in error.path)
            pytest.fail(f"{resource['kind']}/{resource['metadata']['name']} {where}: {error}")


def test_the_scaled_object_is_valid_against_the_keda_crd_schema(production):
    scaled = find(production, "ScaledObject", "referral-worker")
    errors = [f"{list(e.path)}: {e.message}" for e in keda_validator().iter_errors(scaled)]
    assert errors == []
    # The CRD's one CEL rule, which JSON Schema cannot say.
    assert scaled["spec"]["minReplicaCount"] <= scaled["spec"]["maxReplicaCount"]


def test_the_keda_schema_refuses_a_misspelt_field(production):
    scaled = copy.deepcopy(find(production, "ScaledObject", "referral-worker"))
    scaled["spec"]["triggers"][0]["metdata"] = scaled["spec"]["triggers"][0].pop("metadata")
    scaled["spec"]["maxReplicaCount"] = "20"
    messages = [e.message for e in keda_validator().iter_errors(scaled)]
    assert any("'metdata' was unexpected" in m for m in messages), messages
    assert any("'metadata' is a required property" in m for m in messages), messages
    assert any("is not of type 'integer'" in m for m in messages), messages


def test_the_worker_scales_on_the_length_of_celerys_redis_list(production):
    scaled = find(production, "ScaledObject", "referral-worker")
    assert scaled["spec"]["scaleTargetRef"]["name"] == "referral-worker"
    [trigger] = scaled["spec"]["triggers"]
    assert trigger["type"] == "redis"
    assert trigger["metadata"]["listName"] == "celery"
    assert int(trigger["metadata"]["listLength"]) > 0
    # KEDA reads the password from the worker container's environment: the Secret has it.
    assert trigger["metadata"]["passwordFromEnv"] in secret_values(production)
    assert scaled["spec"]["scaleTargetRef"]["envSourceContainerName"] == "worker"


def test_the_autoscalers_own_the_web_and_worker_counts(production):
    hpa = find(production, "HorizontalPodAutoscaler", "referral-web")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "referral-web",
    }
    [metric] = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert 1 < hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    # A count in the Deployment would reset the autoscaler's on every apply.
    for name in ("referral-web", "referral-worker"):
        assert "replicas" not in find(production, "Deployment", name)["spec"], name


def test_beat_runs_exactly_once_and_is_replaced_never_rolled(production):
    beat = find(production, "Deployment", "referral-beat")
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    assert not any(
        r["spec"].get("scaleTargetRef", {}).get("name") == "referral-beat"
        for r in production
        if r["kind"] in {"HorizontalPodAutoscaler", "ScaledObject"}
    )


def test_the_processes_run_the_procfile_commands(production):
    assert "command" not in container(production, "referral-web")  # the image's CMD
    assert "args" not in container(production, "referral-web")
    assert container(production, "referral-worker")["command"] == shlex.split(procfile()["worker"])
    job = find(production, "Job", "referral-migrate")["spec"]["template"]["spec"]
    assert job["containers"][0]["command"] == shlex.split(procfile()["release"])
    assert job["restartPolicy"] == "Never"
    assert container(production, "referral-beat")["command"][:6] == shlex.split(
        "celery -A worker beat --loglevel INFO"
    )
    assert container(production, "referral-flower")["command"] == shlex.split(
        "celery -A worker flower"
    )


def test_every_process_runs_the_one_image(production):
    images = {
        c["image"]
        for template in pod_templates(production).values()
        for c in template["spec"]["containers"] + template["spec"].get("initContainers", [])
    }
    assert images == {"registry.example.com/referral:1.0.0"}


def test_web_probes_ask_healthz_for_liveness_and_readyz_for_readiness(production):
    web = container(production, "referral-web")
    assert web["ports"] == [{"name": "http", "containerPort": 8000}]
    assert web["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert web["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert web["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}


def test_web_pods_accept_their_own_ip_as_host_for_probes_and_scrapes(production):
    env = container(production, "referral-web")["env"]
    names = [variable["name"] for variable in env]
    pod_ip = env[names.index("POD_IP")]
    allowed_hosts = env[names.index("ALLOWED_HOSTS")]
    assert pod_ip["valueFrom"] == {"fieldRef": {"fieldPath": "status.podIP"}}
    # $(VAR) expands only variables defined before it (envFrom, then env in order).
    assert names.index("POD_IP") < names.index("ALLOWED_HOSTS")
    assert allowed_hosts["value"] == "$(ALLOWED_HOSTS),$(POD_IP)"
    config = generated(production, "ConfigMap", "referral-config")["data"]
    assert config["ALLOWED_HOSTS"] == "referral.example.com"


def test_the_worker_serves_metrics_and_answers_a_celery_ping(production):
    worker = container(production, "referral-worker")
    config = generated(production, "ConfigMap", "referral-config")["data"]
    assert worker["ports"] == [
        {"name": "metrics", "containerPort": int(config["WORKER_METRICS_PORT"])}
    ]
    command = " ".join(worker["livenessProbe"]["exec"]["command"])
    assert "celery -A worker inspect ping" in command
    assert "celery@$HOSTNAME" in command
    assert worker["livenessProbe"]["timeoutSeconds"] > 5  # the ping's own --timeout


def test_flower_has_its_port_auth_and_health_check(production):
    flower = container(production, "referral-flower")
    assert flower["ports"] == [{"name": "http", "containerPort": 5555}]
    assert flower["livenessProbe"]["httpGet"] == {"path": "/healthcheck", "port": "http"}
    assert "FLOWER_BASIC_AUTH" in secret_values(production)
    assert [ref["secretRef"]["name"] for ref in flower["envFrom"] if "secretRef" in ref] == [
        generated(production, "Secret", "referral-secrets")["metadata"]["name"]
    ]
    assert not any(r["kind"] == "Ingress" and "flower" in str(r["spec"]) for r in production)


def test_web_and_worker_wait_for_the_migration_before_they_start(production):
    for name in ("referral-web", "referral-worker"):
        spec = find(production, "Deployment", name)["spec"]
        [init] = spec["template"]["spec"]["initContainers"]
        assert "python manage.py migrate --check" in init["command"][-1], name
        assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0, name


def test_every_pod_runs_as_the_image_user_without_privileges(production):
    for name, template in pod_templates(production).items():
        spec = template["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] == 10001, name  # the Dockerfile's USER
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert spec["automountServiceAccountToken"] is False, name
        for c in spec["containers"] + spec.get("initContainers", []):
            assert c["securityContext"] == {
                "allowPrivilegeEscalation": False,
                "readOnlyRootFilesystem": True,
                "capabilities": {"drop": ["ALL"]},
            }, (name, c["name"])
            assert {"cpu", "memory"} <= c["resources"]["requests"].keys(), (name, c["name"])
            assert "memory" in c["resources"]["limits"], (name, c["name"])


def test_read_only_pods_get_writable_tmp_and_the_web_its_shm_and_metrics_dirs(production):
    for name, template in pod_templates(production).items():
        for c in template["spec"]["containers"]:
            assert TMP in {m["mountPath"] for m in c["volumeMounts"]}, name
    spec = find(production, "Deployment", "referral-web")["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    mounts = {m["mountPath"]: volumes[m["name"]] for m in spec["containers"][0]["volumeMounts"]}
    assert mounts[SHM]["emptyDir"]["medium"] == "Memory"  # gunicorn's heartbeats
    assert "emptyDir" in mounts[METRICS_DIR]
    env = {e["name"]: e.get("value") for e in spec["containers"][0]["env"]}
    assert env["PROMETHEUS_MULTIPROC_DIR"] == METRICS_DIR
    beat = container(production, "referral-beat")["command"]
    assert beat[beat.index("--schedule") + 1].startswith(f"{TMP}/")


def test_services_and_budgets_select_the_pods_they_mean(production):
    def labels_of(deployment: str) -> dict:
        return find(production, "Deployment", deployment)["spec"]["template"]["metadata"]["labels"]

    def ports_of(deployment: str) -> set:
        return {p["name"] for p in container(production, deployment)["ports"]}

    for service, deployment in [
        ("referral-web", "referral-web"),
        ("referral-worker-metrics", "referral-worker"),
        ("referral-flower", "referral-flower"),
    ]:
        spec = find(production, "Service", service)["spec"]
        assert spec["selector"].items() <= labels_of(deployment).items(), service
        assert {p["targetPort"] for p in spec["ports"]} <= ports_of(deployment), service
    deployments = [r["metadata"]["name"] for r in production if r["kind"] == "Deployment"]
    for budget in ("referral-web", "referral-worker"):
        selector = find(production, "PodDisruptionBudget", budget)["spec"]["selector"]
        selected = [
            d for d in deployments if selector["matchLabels"].items() <= labels_of(d).items()
        ]
        assert selected == [budget]
    ingress = find(production, "Ingress", "referral-web")
    [path] = ingress["spec"]["rules"][0]["http"]["paths"]
    assert path["backend"]["service"] == {"name": "referral-web", "port": {"name": "http"}}


def test_every_config_map_and_secret_a_pod_uses_is_in_the_build(production):
    built = {(r["kind"], r["metadata"]["name"]) for r in production}
    for name, template in pod_templates(production).items():
        spec = template["spec"]
        for c in spec["containers"] + spec.get("initContainers", []):
            for source in c.get("envFrom", []):
                if "configMapRef" in source:
                    assert ("ConfigMap", source["configMapRef"]["name"]) in built, name
                if "secretRef" in source:
                    assert ("Secret", source["secretRef"]["name"]) in built, name


def test_the_config_map_holds_production_settings_and_no_secret(production):
    config = generated(production, "ConfigMap", "referral-config")["data"]
    assert config["DJANGO_SETTINGS_MODULE"] == "project.settings.production"
    assert config["NUM_PROXIES"] == "1"
    assert config["TRUST_PROXY_SSL_HEADER"] == "1"
    assert config["LOG_FORMAT"] == "json"
    assert config["DEBUG"] == "0"
    assert config["SMS_INBOX_ENABLED"] == "0"
    assert not config.keys() & SECRET_NAMES
    assert not config.keys() & secret_values(production).keys()


def test_the_secret_holds_only_placeholders(production):
    values = secret_values(production)
    assert values.keys() >= SECRET_NAMES
    for name, value in values.items():
        assert PLACEHOLDER in value, f"{name} in secrets.env.example is not a placeholder"


def test_the_operators_secrets_file_is_ignored_and_never_committed():
    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", *args], cwd=BASE_DIR, capture_output=True, text=True)

    overlay = Path("deploy/k8s/overlays/production")
    assert git("check-ignore", "-q", str(overlay / "secrets.env")).returncode == 0
    tracked = git("ls-files", "deploy").stdout.split()
    assert str(overlay / "secrets.env.example") in tracked
    assert not [path for path in tracked if Path(path).name == "secrets.env"], tracked
    # The image is built from the checkout (COPY . .): an operator's secrets stay out of it.
    assert "deploy" in (BASE_DIR / ".dockerignore").read_text().split()


def test_every_variable_is_one_the_service_knows(production):
    known = set(re.findall(r"\b([A-Z][A-Z0-9_]+)=", (BASE_DIR / ".env.example").read_text()))
    known |= CONTRACT_NAMES | DEPLOY_ONLY_NAMES
    # The SMS gateways' own settings (the contract's "SMS gateways" table).
    gateway = re.compile(r"(SMSRU|SMSAERO|EXOLVE|TWILIO)_[A-Z_]+")
    names = set(generated(production, "ConfigMap", "referral-config")["data"])
    names |= set(secret_values(production))
    for template in pod_templates(production).values():
        for c in template["spec"]["containers"]:
            names |= {e["name"] for e in c.get("env", [])}
    unknown = {n for n in names - known if not gateway.fullmatch(n)}
    assert unknown == set()
