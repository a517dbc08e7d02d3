"""The monitoring files (deploy/monitoring) are valid and speak of the contract's metrics only.

promtool checks the alert rules and runs their unit tests, and checks the dashboard's queries
as PromQL; the names in every query are the API contract's ("Metrics") or Prometheus's `up`.
"""

import json
import re
import subprocess
from pathlib import Path

import yaml

from project.tests.deploy_files import BASE_DIR, required_tool

MONITORING = BASE_DIR / "deploy" / "monitoring"
RULES = MONITORING / "rules.yml"
RULES_TEST = MONITORING / "rules_test.yml"
DASHBOARD = MONITORING / "grafana-dashboard.json"
SCRAPE_CONFIG = MONITORING / "prometheus.example.yml"
# The API contract, "Metrics", with their labels.
COUNTERS = {
    "referral_http_requests_total": {"view", "method", "status"},
    "referral_otp_sends_total": {"outcome"},
    "referral_otp_verifies_total": {"outcome"},
    "referral_sms_deliveries_total": {"backend", "outcome"},
    "referral_invite_activations_total": {"outcome"},
    "referral_webhook_deliveries_total": {"outcome"},
}
HISTOGRAMS = {
    "referral_http_request_duration_seconds": set(),
    "referral_sms_delivery_seconds": set(),
}
GAUGES = {"referral_sms_queue_length": set(), "referral_sms_blocked_ranges": set()}
CONTRACT_METRICS = {**COUNTERS, **HISTOGRAMS, **GAUGES}
# What Prometheus adds to every series: the scrape's own `up`, the target's labels.
PROMETHEUS_METRICS = {"up": set()}
TARGET_LABELS = {"job", "instance", "namespace", "pod"}
SEVERITIES = {"critical", "warning"}
# PromQL words that are neither metrics nor followed by "(".
KEYWORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan"}
GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (functions, labels and keywords left out)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    expr = re.sub(r"\{[^}]*\}", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)
    expr = GROUPING.sub("", expr)
    names = re.findall(r"(?<![\w.$:])([A-Za-z_:][\w:]*)(?![\w:]|\s*\()", expr)
    return {name for name in names if name not in KEYWORDS}


def label_names(expr: str) -> set[str]:
    """The label names an expression matches on or groups by."""
    matchers = re.findall(r"\{([^}]*)\}", re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr))
    names = {m for block in matchers for m in re.findall(r"(\w+)\s*(?:=~|!~|!=|=)", block)}
    for _, grouped in GROUPING.findall(expr):
        names |= {label.strip() for label in grouped.split(",") if label.strip()}
    return names


def base_metric(name: str) -> str:
    for histogram in HISTOGRAMS:
        if name in {f"{histogram}_bucket", f"{histogram}_sum", f"{histogram}_count"}:
            return histogram
    return name


def alert_rules() -> list[dict]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def dashboard_panels() -> list[dict]:
    return [panel for panel in dashboard()["panels"] if panel["type"] != "row"]


def dashboard_exprs() -> list[str]:
    return [target["expr"] for panel in dashboard_panels() for target in panel["targets"]]


def promtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [required_tool("promtool"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_metric_names_are_read_from_promql_without_functions_labels_or_keywords():
    expr = (
        "histogram_quantile(0.99, sum by (le, view) (rate(referral_http_request_duration_seconds"
        '_bucket{status=~"5.."}[$__rate_interval]))) > 1e3 and on() (sum(up) or vector(0)) == 0'
    )
    assert metric_names(expr) == {"referral_http_request_duration_seconds_bucket", "up"}
    assert label_names(expr) == {"le", "view", "status"}


def test_the_alert_rules_pass_promtool_check():
    checked = promtool("check", "rules", str(RULES))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_alert_rules_pass_their_unit_tests():
    tested = promtool("test", "rules", str(RULES_TEST))
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_every_alert_waits_has_a_severity_and_says_what_to_do():
    rules = alert_rules()
    assert len({rule["alert"] for rule in rules}) == len(rules)
    for rule in rules:
        assert re.fullmatch(r"\d+[smh]", rule["for"]), rule["alert"]
        assert rule["labels"]["severity"] in SEVERITIES, rule["alert"]
        assert rule["annotations"]["summary"].strip(), rule["alert"]
        assert rule["annotations"]["description"].strip(), rule["alert"]


def test_every_alert_has_a_unit_test_that_fires_it():
    tests = yaml.safe_load(RULES_TEST.read_text())
    assert tests["rule_files"] == [RULES.name]
    fired = {
        check["alertname"]
        for case in tests["tests"]
        for check in case.get("alert_rule_test", [])
        if check.get("exp_alerts")
    }
    assert fired == {rule["alert"] for rule in alert_rules()}


def test_the_alerts_cover_sms_failures_the_queue_blocked_ranges_5xx_and_readiness():
    used = {rule["alert"]: metric_names(rule["expr"]) for rule in alert_rules()}
    for metric in (
        "referral_sms_deliveries_total",
        "referral_sms_queue_length",
        "referral_sms_blocked_ranges",
        "referral_http_requests_total",
        "up",
    ):
        assert any(metric in names for names in used.values()), metric
    assert "referral_sms_blocked_ranges" in next(
        rule["expr"] for rule in alert_rules() if rule["alert"] == "ReferralSmsRangeBlocked"
    )


def test_alerts_and_dashboard_read_only_the_contracts_metrics_and_labels():
    known = CONTRACT_METRICS | PROMETHEUS_METRICS
    exprs = [rule["expr"] for rule in alert_rules()] + dashboard_exprs()
    for expr in exprs:
        metrics = {base_metric(name) for name in metric_names(expr)}
        assert metrics, expr
        assert metrics <= known.keys(), expr
        allowed = set().union(*(known[m] for m in metrics)) | TARGET_LABELS
        if metrics & HISTOGRAMS.keys():
            allowed.add("le")
        assert label_names(expr) <= allowed, expr


def test_the_dashboard_shows_every_metric_of_the_contract():
    shown = {base_metric(name) for expr in dashboard_exprs() for name in metric_names(expr)}
    assert CONTRACT_METRICS.keys() <= shown


def test_the_dashboard_queries_are_valid_promql(tmp_path: Path):
    # promtool checks PromQL in rule files: each query becomes a recording rule, with
    # Grafana's interval variable replaced by a duration.
    rules = [
        {"record": f"dashboard:query_{i}", "expr": expr.replace("$__rate_interval", "5m")}
        for i, expr in enumerate(dashboard_exprs())
    ]
    path = tmp_path / "dashboard_rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    checked = promtool("check", "rules", str(path))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_dashboard_is_an_importable_grafana_dashboard():
    board = dashboard()
    assert board["title"]
    assert re.fullmatch(r"[\w-]{1,40}", board["uid"])
    assert isinstance(board["schemaVersion"], int)
    [variable] = board["templating"]["list"]
    assert (variable["name"], variable["type"], variable["query"]) == (
        "datasource",
        "datasource",
        "prometheus",
    )
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard_panels():
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel
        assert panel["targets"], panel["title"]
        refs = [target["refId"] for target in panel["targets"]]
        assert len(refs) == len(set(refs)), panel["title"]
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        assert grid["h"] > 0, panel["title"]


def test_the_scrape_config_finds_the_manifests_services_and_the_rules_jobs():
    config = yaml.safe_load(SCRAPE_CONFIG.read_text())
    assert config["rule_files"] == [RULES.name]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    services = {
        resource["metadata"]["name"]: {port["name"] for port in resource["spec"]["ports"]}
        for path in (BASE_DIR / "deploy" / "k8s" / "base").glob("*.yaml")
        for resource in yaml.safe_load_all(path.read_text())
        if resource and resource["kind"] == "Service"
    }
    for job in jobs.values():
        [keep] = [r for r in job["relabel_configs"] if r.get("action") == "keep"]
        service, port = keep["regex"].split(";")
        assert port in services[service], job["job_name"]
    assert jobs["referral-web"]["authorization"]["type"] == "Bearer"
    assert {"referral-web", "referral-worker"} <= jobs.keys()
    # Every job an alert or a panel names is one that the scrape config defines.
    for expr in [rule["expr"] for rule in alert_rules()] + dashboard_exprs():
        for operator, value in re.findall(r'\bjob\s*(=~|=)\s*"([^"]+)"', expr):
            if operator == "=":
                assert value in jobs, expr
            else:
                assert any(re.fullmatch(value, name) for name in jobs), expr
