"""The Helm chart (deploy/helm/parta), rendered and linted offline by Helm's own engine
(helm-python-sdk): no helm binary, no cluster. Rendered objects are checked against the
Kubernetes API models, which refuse unknown fields, and alert expressions against a PromQL
parser."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import helm_python
import promql_parser
import pytest
import yaml
from kubernetes import client as k8s

CHART_DIR = Path(__file__).resolve().parents[2] / "deploy" / "helm" / "parta"
RELEASE = "parta"
NAMESPACE = "school"

SERVICES = ("identity", "directory", "messaging", "media", "sfu", "gateway")
BACKENDS = ("identity", "directory", "messaging", "media")

Obj = dict[str, Any]

ALL_ENABLED: Obj = {svc: {"enabled": True} for svc in SERVICES}

# Everything switched on and configured: the widest render.
EVERYTHING: Obj = {
    "identity": {
        "database": {"url": "postgresql://identity:pw@db:5432/identity"},
        "codePepper": {"value": "pepper-from-values"},
        "smtp": {
            "host": "smtp.example.org",
            "username": "parta",
            "sender": "Parta <no-reply@example.org>",
            "password": {"value": "smtp-secret"},
        },
        "sms": {"url": "https://sms.example.org/send", "token": {"value": "sms-secret"}},
    },
    "directory": {
        "enabled": True,
        "database": {"existingSecret": "directory-db", "existingSecretKey": "dsn"},
    },
    "messaging": {"enabled": True, "database": {"url": "postgresql://messaging@db/messaging"}},
    "media": {
        "enabled": True,
        "database": {"url": "postgresql://media@db/media"},
        "stunUrls": ["stun:turn.example.org:3478"],
    },
    "sfu": {"enabled": True, "processes": 3},
    "turn": {
        "coturn": {
            "enabled": True,
            "host": "turn.example.org",
            "tls": {"secretName": "turn-tls"},
            "allowedPeerIPs": ["10.20.0.0-10.20.255.255"],
        }
    },
    "gateway": {
        "enabled": True,
        "ingress": {"enabled": True, "className": "nginx", "tls": {"enabled": True}},
    },
}

# The Kubernetes model each rendered kind must satisfy (monitoring.coreos.com kinds have none).
MODELS: dict[str, type[Any]] = {
    "Deployment": k8s.V1Deployment,
    "Service": k8s.V1Service,
    "HorizontalPodAutoscaler": k8s.V2HorizontalPodAutoscaler,
    "PodDisruptionBudget": k8s.V1PodDisruptionBudget,
    "NetworkPolicy": k8s.V1NetworkPolicy,
    "Ingress": k8s.V1Ingress,
    "Secret": k8s.V1Secret,
    "ConfigMap": k8s.V1ConfigMap,
    "ServiceAccount": k8s.V1ServiceAccount,
}
CRD_KINDS = {"ServiceMonitor", "PrometheusRule"}

# Two SFU slots behind their own addresses (sfu.network udpRange).
SLOTS = [{"address": "203.0.113.10"}, {"address": "203.0.113.11"}]


@pytest.fixture(scope="module")
def chart() -> Iterator[helm_python.Chart]:
    with helm_python.Chart.load(CHART_DIR) as loaded:
        yield loaded


def render_text(chart: helm_python.Chart, values: Obj | None = None) -> dict[str, str]:
    return chart.render(values or {}, name=RELEASE, namespace=NAMESPACE)


def render(chart: helm_python.Chart, values: Obj | None = None) -> list[Obj]:
    objects: list[Obj] = []
    for path, text in render_text(chart, values).items():
        if path.endswith(".yaml"):
            objects.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return objects


def of_kind(objects: list[Obj], kind: str) -> dict[str, Obj]:
    return {obj["metadata"]["name"]: obj for obj in objects if obj["kind"] == kind}


def name(service: str) -> str:
    return f"{RELEASE}-{service}"


def container(deployment: Obj) -> Obj:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return only


def env_of(deployment: Obj) -> dict[str, Obj]:
    return {entry["name"]: entry for entry in container(deployment)["env"]}


def secret_data(secret: Obj) -> dict[str, str]:
    return {key: base64.b64decode(value).decode() for key, value in secret.get("data", {}).items()}


# --- lint and models -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [None, EVERYTHING, {"sfu": {"network": "udpRange", "udpRange": {"slots": SLOTS}}}],
    ids=["defaults", "everything", "sfu-udp-range"],
)
def test_lint_finds_no_errors_or_warnings(values: Obj | None) -> None:
    report = helm_python.lint(CHART_DIR, values, strict=True, namespace=NAMESPACE)
    assert report["errors"] == []
    # Severity 1 is "info" (e.g. "icon is recommended"); 2 warning, 3 error.
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


@pytest.mark.parametrize(
    "values",
    [
        None,
        EVERYTHING,
        {**EVERYTHING, "sfu": {"network": "udpRange", "udpRange": {"slots": SLOTS}}},
        {
            **ALL_ENABLED,
            "sfu": {
                "network": "udpRange",
                "udpPorts": {"min": 31000, "max": 31099},
                "udpRange": {"portsPerSlot": 50, "slots": SLOTS, "service": {"type": "NodePort"}},
            },
        },
        {**ALL_ENABLED, "sfu": {"autoscaling": {"enabled": False}, "processes": 1}},
    ],
    ids=["defaults", "everything", "sfu-udp-range-load-balancer", "sfu-udp-range-node-port", "sfu-fixed"],
)
def test_rendered_objects_are_valid_kubernetes_objects(chart: helm_python.Chart, values: Obj | None) -> None:
    objects = render(chart, values)
    assert objects
    for obj in objects:
        kind = obj["kind"]
        assert kind in MODELS or kind in CRD_KINDS, f"no model to check {kind}"
        if kind in MODELS:
            MODELS[kind].model_validate(obj)  # refuses unknown or mistyped fields


# --- what is deployed ----------------------------------------------------------------------------


DEFAULT_SERVICES = SERVICES


def test_defaults_deploy_the_services_that_exist(chart: helm_python.Chart) -> None:
    objects = render(chart)
    expected = {name(svc) for svc in DEFAULT_SERVICES}
    assert set(of_kind(objects, "Deployment")) == expected
    assert set(of_kind(objects, "Service")) == expected
    assert set(of_kind(objects, "HorizontalPodAutoscaler")) == expected
    assert set(of_kind(objects, "PodDisruptionBudget")) == expected


def test_backends_are_told_where_identity_is(chart: helm_python.Chart) -> None:
    """Every service verifies access tokens with identity's published keys."""
    deployments = of_kind(render(chart, ALL_ENABLED), "Deployment")
    for svc in ("directory", "messaging", "media", "gateway"):
        assert env_of(deployments[name(svc)])["PARTA_IDENTITY_ADDR"]["value"] == f"{name('identity')}:50051"
    assert "PARTA_IDENTITY_ADDR" not in env_of(deployments[name("identity")])


def test_disabled_services_render_nothing(chart: helm_python.Chart) -> None:
    without_media = render(chart, {"media": {"enabled": False}, "sfu": {"enabled": False}})
    for obj in without_media:
        labels = obj["metadata"]["labels"]
        assert labels.get("app.kubernetes.io/component") not in {"media", "sfu", "turn"}
        assert not any(svc in obj["metadata"]["name"] for svc in ("media", "sfu", "turn"))

    nothing = {svc: {"enabled": False} for svc in SERVICES}
    assert {obj["kind"] for obj in render(chart, nothing)} == {"ServiceAccount"}


def test_enabling_all_services_renders_each_of_them(chart: helm_python.Chart) -> None:
    objects = render(chart, ALL_ENABLED)
    every = {name(svc) for svc in SERVICES}
    assert set(of_kind(objects, "Deployment")) == every
    assert set(of_kind(objects, "Service")) == every
    assert set(of_kind(objects, "PodDisruptionBudget")) == every
    assert set(of_kind(objects, "NetworkPolicy")) == every
    assert set(of_kind(objects, "HorizontalPodAutoscaler")) == every

    for svc in SERVICES:
        deployment = of_kind(objects, "Deployment")[name(svc)]
        assert container(deployment)["command"] == [f"parta-{svc}"]


def test_gateway_is_told_where_each_enabled_backend_is(chart: helm_python.Chart) -> None:
    default_env = env_of(of_kind(render(chart), "Deployment")[name("gateway")])
    assert default_env["PARTA_IDENTITY_ADDR"]["value"] == f"{name('identity')}:50051"
    assert default_env["PARTA_DIRECTORY_ADDR"]["value"] == f"{name('directory')}:50051"
    assert default_env["PARTA_MESSAGING_ADDR"]["value"] == f"{name('messaging')}:50051"
    assert default_env["PARTA_MEDIA_ADDR"]["value"] == f"{name('media')}:50051"
    without_media = render(chart, {"media": {"enabled": False}})
    assert "PARTA_MEDIA_ADDR" not in env_of(of_kind(without_media, "Deployment")[name("gateway")])

    env = env_of(of_kind(render(chart, ALL_ENABLED), "Deployment")[name("gateway")])
    for backend in BACKENDS:
        assert env[f"PARTA_{backend.upper()}_ADDR"]["value"] == f"{name(backend)}:50051"


def test_messaging_is_told_where_the_directory_is(chart: helm_python.Chart) -> None:
    """Messaging asks the directory whether a caller is operator staff (R-STAT-1)."""
    env = env_of(of_kind(render(chart), "Deployment")[name("messaging")])
    assert env["PARTA_DIRECTORY_ADDR"]["value"] == f"{name('directory')}:50051"


def test_messaging_notifications_reach_push_services_and_identitys_smtp(chart: helm_python.Chart) -> None:
    """Web Push needs https to the browsers' push services; the digest goes through identity's SMTP
    server, its password read from identity's Secret, and the VAPID key from messaging's."""
    values = {
        **EVERYTHING,
        "messaging": {
            **EVERYTHING["messaging"],
            "notifications": {
                "vapidPrivateKey": {"value": "vapid-secret"},
                "webUrl": "https://parta.example",
            },
        },
    }
    objects = render(chart, values)
    env = env_of(of_kind(objects, "Deployment")[name("messaging")])
    assert env["PARTA_SMTP_HOST"]["value"] == "smtp.example.org"
    assert env["PARTA_SMTP_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": name("identity"),
        "key": "smtp-password",
    }
    assert env["PARTA_VAPID_PRIVATE_KEY"]["valueFrom"]["secretKeyRef"] == {
        "name": name("messaging"),
        "key": "vapid-private-key",
    }
    assert env["PARTA_WEB_URL"]["value"] == "https://parta.example"
    assert secret_data(of_kind(objects, "Secret")[name("messaging")])["vapid-private-key"] == "vapid-secret"
    egress = all_ports(of_kind(objects, "NetworkPolicy")[name("messaging")]["spec"]["egress"])
    assert {(443, "TCP"), (587, "TCP")} <= egress

    # By default: pushes (with a generated key), but no SMTP and so no digest job.
    defaults = render(chart)
    env = env_of(of_kind(defaults, "Deployment")[name("messaging")])
    assert "PARTA_VAPID_PRIVATE_KEY" not in env
    assert "PARTA_SMTP_HOST" not in env
    assert env["PARTA_DIGEST_EVERY_SECONDS"]["value"] == "0"
    egress = all_ports(of_kind(defaults, "NetworkPolicy")[name("messaging")]["spec"]["egress"])
    assert (443, "TCP") in egress
    assert (587, "TCP") not in egress


def test_image_tag_defaults_to_the_charts_app_version(chart: helm_python.Chart) -> None:
    app_version = chart.metadata["appVersion"]
    for deployment in of_kind(render(chart, ALL_ENABLED), "Deployment").values():
        assert container(deployment)["image"] == f"ghcr.io/parta/parta:{app_version}"

    pinned = render(chart, {"image": {"repository": "registry.example.org/parta", "tag": "1.2.3"}})
    for deployment in of_kind(pinned, "Deployment").values():
        assert container(deployment)["image"] == "registry.example.org/parta:1.2.3"


# --- probes, resources, hardening ----------------------------------------------------------------


def test_backends_are_probed_with_native_grpc_health_checks(chart: helm_python.Chart) -> None:
    deployments = of_kind(render(chart, ALL_ENABLED), "Deployment")
    for backend in BACKENDS:
        main = container(deployments[name(backend)])
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert main[probe]["grpc"] == {"port": 50051}, (backend, probe)
        env = {e["name"]: e.get("value") for e in main["env"]}
        assert env["PARTA_GRPC_HOST"] == "0.0.0.0"
        assert env["PARTA_GRPC_PORT"] == "50051"
        assert env["PARTA_METRICS_PORT"] == "9100"
        assert env["PARTA_NATS_URL"] == "nats://nats.nats:4222"
        assert {p["name"]: p["containerPort"] for p in main["ports"]}.items() >= {
            "grpc": 50051,
            "metrics": 9100,
        }.items()


def test_gateway_is_probed_over_http(chart: helm_python.Chart) -> None:
    main = container(of_kind(render(chart), "Deployment")[name("gateway")])
    assert main["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert main["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert {p["name"]: p["containerPort"] for p in main["ports"]} == {"http": 8080, "metrics": 9100}
    env = {e["name"]: e.get("value") for e in main["env"]}
    assert env["PARTA_HTTP_HOST"] == "0.0.0.0"
    assert env["PARTA_HTTP_PORT"] == "8080"
    # The gateway's metrics endpoint binds to PARTA_GRPC_HOST: without it Prometheus sees nothing.
    assert env["PARTA_GRPC_HOST"] == "0.0.0.0"


def test_every_pod_is_hardened_and_sized(chart: helm_python.Chart) -> None:
    for deployment in of_kind(render(chart, ALL_ENABLED), "Deployment").values():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] == 10001
        assert pod["securityContext"]["fsGroup"] == 10001
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False
        assert pod["serviceAccountName"] == RELEASE
        assert pod["enableServiceLinks"] is False
        # The SFU's grace covers its drain (sfu.drainSeconds + sfu.drainMarginSeconds).
        sfu = deployment["metadata"]["name"] == name("sfu")
        assert pod["terminationGracePeriodSeconds"] == (7200 + 120 if sfu else 30)

        main = container(deployment)
        security = main["securityContext"]
        assert security["allowPrivilegeEscalation"] is False
        assert security["readOnlyRootFilesystem"] is True
        assert security["capabilities"]["drop"] == ["ALL"]
        assert {"name": "tmp", "mountPath": "/tmp"} in main["volumeMounts"]
        assert any(v["name"] == "tmp" and "emptyDir" in v for v in pod["volumes"])

        resources = main["resources"]
        assert {"cpu", "memory"} <= resources["requests"].keys()
        assert "memory" in resources["limits"]


def test_service_account_mounts_no_token(chart: helm_python.Chart) -> None:
    (account,) = of_kind(render(chart), "ServiceAccount").values()
    assert account["automountServiceAccountToken"] is False


# --- development mode ----------------------------------------------------------------------------


def test_parta_dev_appears_nowhere(chart: helm_python.Chart) -> None:
    for values in (None, EVERYTHING):
        for path, text in render_text(chart, values).items():
            assert "PARTA_DEV" not in text, path


def test_the_chart_refuses_to_set_parta_dev(chart: helm_python.Chart) -> None:
    with pytest.raises(helm_python.HelmRenderError, match="PARTA_DEV"):
        render(chart, {"gateway": {"env": [{"name": "PARTA_DEV", "value": "1"}]}})
    # Other extra variables pass through.
    extra = {"identity": {"env": [{"name": "PARTA_CODE_TTL_SECONDS", "value": "120"}]}}
    env = env_of(of_kind(render(chart, extra), "Deployment")[name("identity")])
    assert env["PARTA_CODE_TTL_SECONDS"]["value"] == "120"


# --- secrets -------------------------------------------------------------------------------------


def test_secrets_reach_pods_only_through_secret_key_refs(chart: helm_python.Chart) -> None:
    objects = render(chart, EVERYTHING)
    deployments = of_kind(objects, "Deployment")
    secrets = of_kind(objects, "Secret")

    identity = env_of(deployments[name("identity")])
    for variable, key in [
        ("PARTA_DATABASE_URL", "database-url"),
        ("PARTA_CODE_PEPPER", "code-pepper"),
        ("PARTA_SMTP_PASSWORD", "smtp-password"),
        ("PARTA_SMS_TOKEN", "sms-token"),
    ]:
        assert "value" not in identity[variable]
        assert identity[variable]["valueFrom"]["secretKeyRef"] == {"name": name("identity"), "key": key}
    assert secret_data(secrets[name("identity")]) == {
        "database-url": "postgresql://identity:pw@db:5432/identity",
        "code-pepper": "pepper-from-values",
        "smtp-password": "smtp-secret",
        "sms-token": "sms-secret",
    }
    assert identity["PARTA_SMTP_HOST"]["value"] == "smtp.example.org"
    assert identity["PARTA_SMS_URL"]["value"] == "https://sms.example.org/send"

    # An operator's own Secret is referenced, not copied.
    directory = env_of(deployments[name("directory")])
    assert directory["PARTA_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": "directory-db",
        "key": "dsn",
    }
    assert name("directory") not in secrets

    # No secret value is written into a Deployment.
    for deployment in deployments.values():
        text = yaml.safe_dump(deployment)
        for secret in ("pw@db", "pepper-from-values", "smtp-secret", "sms-secret"):
            assert secret not in text


def test_code_pepper_is_generated_when_not_given(chart: helm_python.Chart) -> None:
    pepper = secret_data(of_kind(render(chart), "Secret")[name("identity")])["code-pepper"]
    assert len(pepper) >= 32
    # Without a pepper the service would fall back to its development default.
    env = env_of(of_kind(render(chart), "Deployment")[name("identity")])
    assert env["PARTA_CODE_PEPPER"]["valueFrom"]["secretKeyRef"]["key"] == "code-pepper"


def test_messaging_attachments_go_to_s3_with_keys_from_a_secret(chart: helm_python.Chart) -> None:
    """Several messaging replicas share one store of attachments: an S3-compatible bucket by default,
    its keys in messaging's Secret, with https egress to it."""
    values = {
        **EVERYTHING,
        "messaging": {
            **EVERYTHING["messaging"],
            "storage": {
                "s3": {
                    "bucket": "parta-files",
                    "endpoint": "https://storage.yandexcloud.net",
                    "accessKey": {"value": "access-from-values"},
                    "secretKey": {"existingSecret": "s3-creds", "existingSecretKey": "secret"},
                }
            },
        },
    }
    objects = render(chart, values)
    env = env_of(of_kind(objects, "Deployment")[name("messaging")])
    assert env["PARTA_STORAGE_BACKEND"]["value"] == "s3"
    assert env["PARTA_S3_BUCKET"]["value"] == "parta-files"
    assert env["PARTA_S3_ENDPOINT"]["value"] == "https://storage.yandexcloud.net"
    assert env["PARTA_S3_ACCESS_KEY"]["valueFrom"]["secretKeyRef"] == {
        "name": name("messaging"),
        "key": "s3-access-key",
    }
    assert env["PARTA_S3_SECRET_KEY"]["valueFrom"]["secretKeyRef"] == {"name": "s3-creds", "key": "secret"}
    data = secret_data(of_kind(objects, "Secret")[name("messaging")])
    assert data["s3-access-key"] == "access-from-values"
    assert "s3-secret-key" not in data
    egress = all_ports(of_kind(objects, "NetworkPolicy")[name("messaging")]["spec"]["egress"])
    assert (443, "TCP") in egress


def test_messaging_local_attachments_need_a_shared_volume_claim(chart: helm_python.Chart) -> None:
    local = {"backend": "local", "local": {"existingClaim": "parta-files"}}
    objects = render(chart, {**EVERYTHING, "messaging": {**EVERYTHING["messaging"], "storage": local}})
    deployment = of_kind(objects, "Deployment")[name("messaging")]
    pod = deployment["spec"]["template"]["spec"]
    assert {"name": "files", "persistentVolumeClaim": {"claimName": "parta-files"}} in pod["volumes"]
    (container,) = pod["containers"]
    assert {"name": "files", "mountPath": "/var/lib/parta/files"} in container["volumeMounts"]
    assert env_of(deployment)["PARTA_STORAGE_DIR"]["value"] == "/var/lib/parta/files"

    without_claim = {**EVERYTHING, "messaging": {**EVERYTHING["messaging"], "storage": {"backend": "local"}}}
    with pytest.raises(helm_python.HelmRenderError, match="existingClaim is required"):
        render(chart, without_claim)


def test_smtp_and_sms_are_left_out_until_configured(chart: helm_python.Chart) -> None:
    env = env_of(of_kind(render(chart), "Deployment")[name("identity")])
    assert not any(variable.startswith(("PARTA_SMTP_", "PARTA_SMS_")) for variable in env)


# --- scaling and disruption ----------------------------------------------------------------------


def test_autoscaled_deployments_leave_replicas_to_the_hpa(chart: helm_python.Chart) -> None:
    objects = render(chart)
    for svc in ("identity", "gateway"):
        hpa = of_kind(objects, "HorizontalPodAutoscaler")[name(svc)]
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": name(svc),
        }
        assert hpa["spec"]["minReplicas"] == 2
        (metric,) = hpa["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu"
        assert "replicas" not in of_kind(objects, "Deployment")[name(svc)]["spec"]

    fixed = render(chart, {"identity": {"autoscaling": {"enabled": False}, "replicas": 3}})
    assert of_kind(fixed, "Deployment")[name("identity")]["spec"]["replicas"] == 3
    assert name("identity") not in of_kind(fixed, "HorizontalPodAutoscaler")


def test_selectors_agree_and_labels_come_from_the_helpers(chart: helm_python.Chart) -> None:
    objects = render(chart, EVERYTHING)
    standard = {
        "helm.sh/chart",
        "app.kubernetes.io/name",
        "app.kubernetes.io/instance",
        "app.kubernetes.io/version",
        "app.kubernetes.io/managed-by",
        "app.kubernetes.io/part-of",
    }
    for obj in objects:
        assert standard <= obj["metadata"]["labels"].keys(), obj["metadata"]["name"]

    for svc in SERVICES:
        deployment = of_kind(objects, "Deployment")[name(svc)]
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert selector == {
            "app.kubernetes.io/name": "parta",
            "app.kubernetes.io/instance": RELEASE,
            "app.kubernetes.io/component": svc,
        }
        assert selector.items() <= pod_labels.items()
        assert of_kind(objects, "Service")[name(svc)]["spec"]["selector"] == selector
        assert (
            of_kind(objects, "PodDisruptionBudget")[name(svc)]["spec"]["selector"]["matchLabels"] == selector
        )
        assert of_kind(objects, "NetworkPolicy")[name(svc)]["spec"]["podSelector"]["matchLabels"] == selector


# --- network -------------------------------------------------------------------------------------


def rule_ports(rule: Obj) -> set[tuple[int | None, str]]:
    return {(port.get("port"), port.get("protocol", "TCP")) for port in rule.get("ports", [])}


def all_ports(rules: list[Obj]) -> set[tuple[int | None, str]]:
    """(port, protocol) pairs a list of ingress or egress rules opens, whoever the peers are."""
    return set().union(*(rule_ports(rule) for rule in rules))


def test_a_network_policy_guards_each_enabled_service(chart: helm_python.Chart) -> None:
    assert set(of_kind(render(chart), "NetworkPolicy")) == {name(svc) for svc in DEFAULT_SERVICES}
    assert set(of_kind(render(chart, ALL_ENABLED), "NetworkPolicy")) == {name(svc) for svc in SERVICES}
    assert of_kind(render(chart, {"networkPolicy": {"enabled": False}}), "NetworkPolicy") == {}


def test_backends_take_grpc_only_from_parta_pods(chart: helm_python.Chart) -> None:
    policies = of_kind(render(chart, EVERYTHING), "NetworkPolicy")
    parta_pods = {
        "podSelector": {
            "matchLabels": {"app.kubernetes.io/name": "parta", "app.kubernetes.io/instance": RELEASE}
        }
    }
    monitoring = {"kubernetes.io/metadata.name": "monitoring"}
    for backend in BACKENDS:
        spec = policies[name(backend)]["spec"]
        assert spec["policyTypes"] == ["Ingress", "Egress"]
        grpc_rules = [rule for rule in spec["ingress"] if (50051, "TCP") in rule_ports(rule)]
        assert grpc_rules == [{"from": [parta_pods], "ports": [{"port": 50051, "protocol": "TCP"}]}]
        (metrics_rule,) = [rule for rule in spec["ingress"] if (9100, "TCP") in rule_ports(rule)]
        assert metrics_rule["from"][0]["namespaceSelector"]["matchLabels"] == monitoring

        expected = {(53, "UDP"), (53, "TCP"), (4222, "TCP"), (5432, "TCP"), (50051, "TCP")}
        assert expected <= all_ports(spec["egress"])

    assert {(587, "TCP"), (443, "TCP")} <= all_ports(policies[name("identity")]["spec"]["egress"])
    assert (587, "TCP") not in all_ports(policies[name("directory")]["spec"]["egress"])

    # Without SMTP and SMS configured, identity may not reach them.
    default_identity = of_kind(render(chart), "NetworkPolicy")[name("identity")]["spec"]
    assert {(587, "TCP"), (443, "TCP")}.isdisjoint(all_ports(default_identity["egress"]))


def test_gateway_takes_http_and_reaches_backends_and_nats_only(chart: helm_python.Chart) -> None:
    spec = of_kind(render(chart), "NetworkPolicy")[name("gateway")]["spec"]
    assert all_ports(spec["ingress"]) == {(8080, "TCP"), (9100, "TCP")}
    assert all_ports(spec["egress"]) == {(53, "UDP"), (53, "TCP"), (4222, "TCP"), (50051, "TCP")}


def metrics_peer(chart: helm_python.Chart, values: Obj) -> Obj:
    spec = of_kind(render(chart, values), "NetworkPolicy")[name("identity")]["spec"]
    (metrics_rule,) = [rule for rule in spec["ingress"] if (9100, "TCP") in rule_ports(rule)]
    (peer,) = metrics_rule["from"]
    return peer


def test_monitoring_namespace_is_configurable(chart: helm_python.Chart) -> None:
    by_name = metrics_peer(chart, {"networkPolicy": {"monitoring": {"namespace": "observability"}}})
    assert by_name["namespaceSelector"] == {"matchLabels": {"kubernetes.io/metadata.name": "observability"}}

    selector = {"matchLabels": {"team": "observability"}}
    prometheus = {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}
    values = {"networkPolicy": {"monitoring": {"namespaceSelector": selector, "podSelector": prometheus}}}
    assert metrics_peer(chart, values) == {"namespaceSelector": selector, "podSelector": prometheus}


def test_gateway_ingress_is_optional(chart: helm_python.Chart) -> None:
    assert of_kind(render(chart), "Ingress") == {}
    gateway_env = env_of(of_kind(render(chart), "Deployment")[name("gateway")])
    assert gateway_env["PARTA_TRUST_FORWARDED_FOR"]["value"] == "false"

    objects = render(chart, EVERYTHING)
    ingress = of_kind(objects, "Ingress")[name("gateway")]["spec"]
    assert ingress["ingressClassName"] == "nginx"
    assert ingress["tls"] == [{"hosts": ["parta.example.org"], "secretName": f"{name('gateway')}-tls"}]
    (rule,) = ingress["rules"]
    assert rule["host"] == "parta.example.org"
    assert rule["http"]["paths"][0]["backend"]["service"] == {
        "name": name("gateway"),
        "port": {"name": "http"},
    }
    # Behind the Ingress, client addresses (rate limits) come from X-Forwarded-For.
    env = env_of(of_kind(objects, "Deployment")[name("gateway")])
    assert env["PARTA_TRUST_FORWARDED_FOR"]["value"] == "true"
    # Printed invite links start with the public address, not the pod's.
    assert env["PARTA_PUBLIC_URL"]["value"] == "https://parta.example.org"
    assert "PARTA_PUBLIC_URL" not in gateway_env


# --- media (WebRTC) ------------------------------------------------------------------------------


def sfu_deployment(objects: list[Obj], suffix: str = "") -> Obj:
    return of_kind(objects, "Deployment")[name("sfu") + suffix]


def test_the_media_control_plane_is_a_backend_like_messaging(chart: helm_python.Chart) -> None:
    objects = render(chart)
    media = of_kind(objects, "Deployment")[name("media")]
    main = container(media)
    assert main["command"] == ["parta-media"]
    assert env_of(media)["PARTA_MESSAGING_ADDR"]["value"] == f"{name('messaging')}:50051"
    assert env_of(media)["PARTA_DIRECTORY_ADDR"]["value"] == f"{name('directory')}:50051"  # audiences
    # It finds the SFU processes in the NATS KV registry: no address of an SFU to give it.
    assert not any(key.startswith(("PARTA_SFU", "PARTA_RTC")) for key in env_of(media))
    assert "lifecycle" not in main
    assert "hostNetwork" not in media["spec"]["template"]["spec"]
    (metric,) = of_kind(objects, "HorizontalPodAutoscaler")[name("media")]["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"


def test_the_sfu_on_the_host_network_announces_the_nodes_address(chart: helm_python.Chart) -> None:
    deployment = sfu_deployment(render(chart))
    pod = deployment["spec"]["template"]["spec"]
    assert pod["hostNetwork"] is True
    assert pod["dnsPolicy"] == "ClusterFirstWithHostNet"
    # The new pod needs the node's ports: one pod replaced at a time, none added first.
    assert deployment["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 0, "maxUnavailable": 1}
    main = container(deployment)
    assert main["command"] == ["parta-sfu"]
    # "auto" with 2 requested cores: two processes, each with its own gRPC and metrics port.
    assert [(p["name"], p["containerPort"], p.get("hostPort")) for p in main["ports"]] == [
        ("grpc-0", 50055, 50055),
        ("metrics-0", 9105, 9105),
        ("grpc-1", 50056, 50056),
        ("metrics-1", 9106, 9106),
    ]
    env = env_of(deployment)
    assert env["PARTA_SFU_PROCESSES"]["value"] == "2"
    assert env["PARTA_GRPC_PORT"]["value"] == "50055"
    assert env["PARTA_METRICS_PORT"]["value"] == "9105"
    assert env["PARTA_SFU_UDP_PORTS"]["value"] == "40000-40999"
    assert env["PARTA_SFU_ANNOUNCED_ADDRESSES"]["valueFrom"]["fieldRef"]["fieldPath"] == "status.hostIP"
    for key in ("PARTA_SFU_HOST_ADDRESSES", "PARTA_SFU_ADVERTISE_HOST"):
        assert env[key]["valueFrom"]["fieldRef"]["fieldPath"] == "status.podIP", key
    assert env["PARTA_SFU_NODE"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert env["PARTA_SFU_ALLOWED_NETWORKS"]["value"] == "0.0.0.0/0,::/0"
    assert container(deployment)["startupProbe"]["grpc"] == {"port": 50055}

    nat = sfu_deployment(render(chart, {"sfu": {"hostNetwork": {"announcedAddress": "198.51.100.4"}}}))
    assert env_of(nat)["PARTA_SFU_ANNOUNCED_ADDRESSES"]["value"] == "198.51.100.4"


@pytest.mark.parametrize(
    ("processes", "cpu", "expected"),
    [("auto", "4", "4"), ("auto", "2.5", "2"), ("auto", "1500m", "1"), ("auto", "250m", "1"), (3, "1", "3")],
)
def test_sfu_processes_auto_is_one_per_requested_core(
    chart: helm_python.Chart, processes: object, cpu: str, expected: str
) -> None:
    values = {"sfu": {"processes": processes, "resources": {"requests": {"cpu": cpu, "memory": "512Mi"}}}}
    deployment = sfu_deployment(render(chart, values))
    assert env_of(deployment)["PARTA_SFU_PROCESSES"]["value"] == expected
    assert len(container(deployment)["ports"]) == 2 * int(expected)


def test_sfu_processes_must_be_auto_or_a_positive_number(chart: helm_python.Chart) -> None:
    with pytest.raises(helm_python.HelmRenderError, match=r"sfu\.processes must be"):
        render(chart, {"sfu": {"processes": 0}})


def test_the_sfu_drains_before_it_stops_within_its_grace(chart: helm_python.Chart) -> None:
    deployment = sfu_deployment(render(chart, {"sfu": {"drainSeconds": 600, "drainMarginSeconds": 60}}))
    assert container(deployment)["lifecycle"]["preStop"]["exec"]["command"] == [
        "parta-sfu",
        "drain",
        "--wait",
    ]
    assert deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 660
    assert env_of(deployment)["PARTA_SFU_DRAIN_SECONDS"]["value"] == "600"


def test_the_sfu_scales_on_participants_per_process(chart: helm_python.Chart) -> None:
    objects = render(chart, {"sfu": {"autoscaling": {"targetParticipantsPerProcess": 80}}})
    assert "replicas" not in sfu_deployment(objects)["spec"]
    hpa = of_kind(objects, "HorizontalPodAutoscaler")[name("sfu")]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name("sfu")}
    (metric,) = hpa["metrics"]
    assert metric == {
        "type": "Pods",
        "pods": {
            "metric": {"name": "parta_sfu_participants_per_process"},
            "target": {"type": "AverageValue", "averageValue": "80"},
        },
    }
    # Scaling down drains a pod: slowly, one at a time.
    assert hpa["behavior"]["scaleDown"]["policies"] == [{"type": "Pods", "value": 1, "periodSeconds": 600}]
    assert hpa["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 1800

    # The Prometheus adapter's rule that serves that metric: the average over a pod's processes.
    adapter = of_kind(objects, "ConfigMap")[f"{name('sfu')}-prometheus-adapter"]
    (rule,) = yaml.safe_load(adapter["data"]["rules.yaml"])["rules"]
    assert rule["seriesQuery"].startswith("parta_sfu_participants{")
    assert rule["name"] == {"matches": "^parta_sfu_participants$", "as": "parta_sfu_participants_per_process"}
    assert rule["resources"]["overrides"]["pod"] == {"resource": "pod"}
    assert rule["metricsQuery"].startswith("avg(<<.Series>>")

    fixed = render(chart, {"sfu": {"autoscaling": {"enabled": False}, "replicas": 3}})
    assert sfu_deployment(fixed)["spec"]["replicas"] == 3
    assert name("sfu") not in of_kind(fixed, "HorizontalPodAutoscaler")
    assert of_kind(fixed, "ConfigMap") == {}


def test_one_sfu_pod_is_disrupted_at_a_time(chart: helm_python.Chart) -> None:
    pdb = of_kind(render(chart), "PodDisruptionBudget")[name("sfu")]["spec"]
    assert pdb["maxUnavailable"] == 1
    assert "minAvailable" not in pdb


def test_the_sfu_network_policy_opens_its_udp_range_and_each_process_port(chart: helm_python.Chart) -> None:
    objects = render(chart)
    spec = of_kind(objects, "NetworkPolicy")[name("sfu")]["spec"]
    assert {"ports": [{"port": 40000, "endPort": 40999, "protocol": "UDP"}]} in spec["ingress"]
    # Relay packets from the other SFU processes, whatever their relay socket's port.
    sfu_pods = {"app.kubernetes.io/name": "parta", "app.kubernetes.io/instance": RELEASE}
    sfu_pods["app.kubernetes.io/component"] = "sfu"
    assert {"from": [{"podSelector": {"matchLabels": sfu_pods}}], "ports": [{"protocol": "UDP"}]} in spec[
        "ingress"
    ]
    (grpc_rule,) = [rule for rule in spec["ingress"] if (50055, "TCP") in rule_ports(rule)]
    assert rule_ports(grpc_rule) == {(50055, "TCP"), (50056, "TCP")}
    assert grpc_rule["from"][0]["podSelector"]["matchLabels"] == {
        "app.kubernetes.io/name": "parta",
        "app.kubernetes.io/instance": RELEASE,
    }
    (metrics_rule,) = [rule for rule in spec["ingress"] if (9105, "TCP") in rule_ports(rule)]
    assert rule_ports(metrics_rule) == {(9105, "TCP"), (9106, "TCP")}
    assert "namespaceSelector" in metrics_rule["from"][0]
    assert {"ports": [{"protocol": "UDP"}]} in spec["egress"]
    assert (5432, "TCP") not in all_ports(spec["egress"])
    # The control plane reaches the SFU's processes on the nodes' addresses (host network).
    media = of_kind(objects, "NetworkPolicy")[name("media")]["spec"]
    assert {(50055, "TCP"), (50056, "TCP")} <= all_ports(media["egress"])


def test_sfu_udp_range_slots_get_their_own_ports_address_and_service(chart: helm_python.Chart) -> None:
    values = {"sfu": {"network": "udpRange", "udpRange": {"portsPerSlot": 100, "slots": SLOTS}}}
    objects = render(chart, values)
    assert name("sfu") not in of_kind(objects, "Deployment")
    assert name("sfu") not in of_kind(objects, "HorizontalPodAutoscaler")
    for slot, (first, address) in enumerate([(40000, "203.0.113.10"), (40100, "203.0.113.11")]):
        deployment = sfu_deployment(objects, f"-{slot}")
        assert deployment["spec"]["replicas"] == 1
        assert deployment["spec"]["strategy"] == {"type": "Recreate"}
        pod = deployment["spec"]["template"]
        assert "hostNetwork" not in pod["spec"]
        assert pod["metadata"]["labels"]["parta.io/sfu-slot"] == str(slot)
        assert deployment["spec"]["selector"]["matchLabels"]["parta.io/sfu-slot"] == str(slot)
        env = env_of(deployment)
        assert env["PARTA_SFU_UDP_PORTS"]["value"] == f"{first}-{first + 99}"
        assert env["PARTA_SFU_ANNOUNCED_ADDRESSES"]["value"] == address
        assert container(deployment)["lifecycle"]["preStop"]["exec"]["command"] == [
            "parta-sfu",
            "drain",
            "--wait",
        ]

        service = of_kind(objects, "Service")[f"{name('sfu')}-{slot}"]["spec"]
        assert service["type"] == "LoadBalancer"
        assert service["loadBalancerIP"] == address
        assert service["externalTrafficPolicy"] == "Local"
        assert service["selector"]["parta.io/sfu-slot"] == str(slot)
        assert [(p["port"], p["targetPort"], p["protocol"]) for p in service["ports"]] == [
            (port, port, "UDP") for port in range(first, first + 100)
        ]
    # Pods off the host network: the control plane reaches their gRPC ports as Parta pods.
    media = of_kind(objects, "NetworkPolicy")[name("media")]["spec"]
    (to_parta,) = [rule for rule in media["egress"] if (50055, "TCP") in rule_ports(rule)]
    assert "podSelector" in to_parta["to"][0]


def test_sfu_node_port_slots_take_node_ports_of_their_own(chart: helm_python.Chart) -> None:
    values = {
        "sfu": {
            "network": "udpRange",
            "udpPorts": {"min": 31000, "max": 31099},
            "udpRange": {"portsPerSlot": 50, "slots": SLOTS, "service": {"type": "NodePort"}},
        }
    }
    services = of_kind(render(chart, values), "Service")
    assert [p["nodePort"] for p in services[f"{name('sfu')}-1"]["spec"]["ports"]] == list(range(31050, 31100))


@pytest.mark.parametrize(
    ("sfu", "message"),
    [
        ({"network": "udpRange"}, "slots"),
        ({"network": "udpRange", "udpRange": {"slots": [{"address": ""}]}}, "address is required"),
        (
            {"network": "udpRange", "udpRange": {"slots": SLOTS, "service": {"type": "NodePort"}}},
            "30000-32767",
        ),
        ({"network": "udpRange", "udpRange": {"portsPerSlot": 600, "slots": SLOTS}}, "too small"),
        ({"network": "bridge"}, "hostNetwork or udpRange"),
    ],
)
def test_bad_sfu_network_values_are_refused_with_a_message(
    chart: helm_python.Chart, sfu: Obj, message: str
) -> None:
    with pytest.raises(helm_python.HelmRenderError, match=message):
        render(chart, {"sfu": sfu})


def test_each_sfu_process_is_scraped(chart: helm_python.Chart) -> None:
    objects = render(chart, {"sfu": {"processes": 3}})
    service = of_kind(objects, "Service")[name("sfu")]["spec"]
    assert service["clusterIP"] == "None"
    assert [(p["name"], p["port"]) for p in service["ports"]] == [
        ("metrics-0", 9105),
        ("metrics-1", 9106),
        ("metrics-2", 9107),
    ]
    monitor = of_kind(objects, "ServiceMonitor")[name("sfu")]["spec"]
    assert monitor["selector"]["matchLabels"]["app.kubernetes.io/component"] == "sfu"
    assert [endpoint["port"] for endpoint in monitor["endpoints"]] == ["metrics-0", "metrics-1", "metrics-2"]


# --- TURN ----------------------------------------------------------------------------------------


def test_no_turn_until_configured(chart: helm_python.Chart) -> None:
    objects = render(chart)
    assert not any(
        key.startswith("PARTA_TURN") for key in env_of(of_kind(objects, "Deployment")[name("media")])
    )
    assert name("turn") not in of_kind(objects, "Deployment")
    assert name("turn") not in of_kind(objects, "Secret")


def test_the_charts_coturn_and_media_share_one_secret(chart: helm_python.Chart) -> None:
    objects = render(chart, EVERYTHING)
    media = env_of(of_kind(objects, "Deployment")[name("media")])
    assert media["PARTA_TURN_URLS"]["value"].split(",") == [
        "turns:turn.example.org:443?transport=tcp",
        "turn:turn.example.org:3478?transport=udp",
        "turn:turn.example.org:3478?transport=tcp",
    ]
    assert media["PARTA_STUN_URLS"]["value"] == "stun:turn.example.org:3478"
    reference = {"secretKeyRef": {"name": name("turn"), "key": "static-auth-secret"}}
    assert media["PARTA_TURN_SECRET"]["valueFrom"] == reference
    assert len(secret_data(of_kind(objects, "Secret")[name("turn")])["static-auth-secret"]) == 48

    coturn = of_kind(objects, "Deployment")[name("turn")]
    pod = coturn["spec"]["template"]["spec"]
    assert pod["hostNetwork"] is True
    main = container(coturn)
    assert env_of(coturn)["TURN_SECRET"]["valueFrom"] == reference
    args = main["args"]
    for flag in (
        "--use-auth-secret",
        "--static-auth-secret=$(TURN_SECRET)",
        "--tls-listening-port=443",
        "--cert=/etc/coturn/tls/tls.crt",
        "--allowed-peer-ip=10.20.0.0-10.20.255.255",
        "--denied-peer-ip=10.0.0.0-10.255.255.255",
        "--denied-peer-ip=169.254.0.0-169.254.255.255",
    ):
        assert flag in args, flag
    assert {(p["containerPort"], p["protocol"]) for p in main["ports"]} == {
        (3478, "UDP"),
        (3478, "TCP"),
        (443, "TCP"),
    }
    assert main["securityContext"]["capabilities"] == {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}


def test_an_external_turn_server_needs_its_urls_and_its_secret(chart: helm_python.Chart) -> None:
    values = {
        "turn": {
            "urls": ["turns:turn.school.example:443?transport=tcp"],
            "secret": {"existingSecret": "coturn-secret", "existingSecretKey": "secret"},
        }
    }
    objects = render(chart, values)
    media = env_of(of_kind(objects, "Deployment")[name("media")])
    assert media["PARTA_TURN_URLS"]["value"] == "turns:turn.school.example:443?transport=tcp"
    assert media["PARTA_TURN_SECRET"]["valueFrom"] == {
        "secretKeyRef": {"name": "coturn-secret", "key": "secret"}
    }
    assert name("turn") not in of_kind(objects, "Deployment")
    assert name("turn") not in of_kind(objects, "Secret")


def test_the_charts_coturn_must_know_where_the_sfu_is(chart: helm_python.Chart) -> None:
    values = {"turn": {"coturn": {"enabled": True, "host": "turn.example.org"}}}
    with pytest.raises(helm_python.HelmRenderError, match="allowedPeerIPs"):
        render(chart, values)


# --- monitoring ----------------------------------------------------------------------------------


def test_service_monitor_scrapes_every_enabled_service(chart: helm_python.Chart) -> None:
    objects = render(chart, ALL_ENABLED)
    monitor = of_kind(objects, "ServiceMonitor")[RELEASE]
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    spec = monitor["spec"]
    (expression,) = spec["selector"]["matchExpressions"]
    assert expression["key"] == "app.kubernetes.io/component"
    # The SFU has its own (one endpoint per process): test_each_sfu_process_is_scraped.
    assert set(expression["values"]) == set(SERVICES) - {"sfu"}
    (endpoint,) = spec["endpoints"]
    assert endpoint["port"] == "metrics"
    # Keep the metrics' own `service` label (the alerts group by it).
    assert endpoint["honorLabels"] is True
    for svc in set(SERVICES) - {"sfu"}:
        service = of_kind(objects, "Service")[name(svc)]
        assert spec["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
        assert {"name": "metrics", "port": 9100} in [
            {"name": p["name"], "port": p["port"]} for p in service["spec"]["ports"]
        ]


def prometheus_rules(objects: list[Obj]) -> list[Obj]:
    (rule,) = [obj for obj in objects if obj["kind"] == "PrometheusRule"]
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    return [r for group in rule["spec"]["groups"] for r in group["rules"]]


def test_alert_expressions_parse_and_cover_the_metrics(chart: helm_python.Chart) -> None:
    rules = prometheus_rules(render(chart, ALL_ENABLED))
    for rule in rules:
        promql_parser.parse(rule["expr"])  # raises ValueError on a malformed expression
        assert f'namespace="{NAMESPACE}"' in rule["expr"], rule["alert"]
        assert rule["labels"]["severity"] in {"warning", "critical"}
        assert rule["annotations"]["summary"]
    expressions = "\n".join(rule["expr"] for rule in rules)
    for metric in (
        "parta_grpc_requests_total",
        "parta_grpc_request_duration_seconds_bucket",
        "parta_outbox_backlog_events",
        "parta_events_publish_errors_total",
        "parta_http_requests_total",
        "parta_sfu_participants",
        "parta_sfu_draining",
        "parta_media_call_move_failures_total",
        "parta_sfu_subscriber_loss_ratio_bucket",
    ):
        assert metric in expressions, metric


def test_a_stuck_drain_alerts_only_after_the_drain_deadline(chart: helm_python.Chart) -> None:
    values = {"sfu": {"drainSeconds": 3600, "drainMarginSeconds": 120}}
    rules = {rule["alert"]: rule for rule in prometheus_rules(render(chart, values))}
    assert rules["PartaSfuDrainStuck"]["for"] == f"{3600 + 120 + 600}s"


def test_alert_thresholds_come_from_values(chart: helm_python.Chart) -> None:
    values = {"monitoring": {"prometheusRule": {"thresholds": {"outboxBacklogEvents": 250}}}}
    rules = {rule["alert"]: rule for rule in prometheus_rules(render(chart, values))}
    assert rules["PartaOutboxBacklogHigh"]["expr"].rstrip().endswith("> 250")


def test_monitoring_objects_can_be_switched_off(chart: helm_python.Chart) -> None:
    kinds = {obj["kind"] for obj in render(chart)}
    assert {"ServiceMonitor", "PrometheusRule"} <= kinds
    off = {"monitoring": {"serviceMonitor": {"enabled": False}, "prometheusRule": {"enabled": False}}}
    assert {"ServiceMonitor", "PrometheusRule"}.isdisjoint(obj["kind"] for obj in render(chart, off))
