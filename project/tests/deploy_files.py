"""The deploy files (Procfile, Dockerfile, docker-compose.yml, deploy/), read for the tests."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def procfile() -> dict[str, str]:
    lines = (BASE_DIR / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = (BASE_DIR / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", "", "\n".join(lines))
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in joined.splitlines()
        if line.strip()
    ]


def dockerfile_cmd() -> list[str]:
    [cmd] = [args for name, args in dockerfile_instructions() if name == "CMD"]
    return json.loads(cmd)


def dockerfile_run(containing: str) -> str:
    [run] = [
        args for name, args in dockerfile_instructions() if name == "RUN" and containing in args
    ]
    return run


def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def required_tool(name: str) -> str:
    """The path of a command-line tool the checks need: missing, it fails CI and skips elsewhere.

    CI must not pass by skipping (.ci/run installs the tools); a developer without them can
    still run the rest of the suite.
    """
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (deploy/README.md, 'Checking the files')"
        if os.environ.get("CI", "").lower() in {"1", "true"}:
            pytest.fail(message)
        pytest.skip(message)
    return path


def kustomize_build(overlay: str, workdir: Path) -> list[dict]:
    """The resources that `kubectl kustomize deploy/k8s/<overlay>` builds, offline.

    Built from a copy of deploy/k8s in which every overlay's secrets file is its example, so
    that the build needs no operator's secrets and never reads them.
    """
    kubectl = required_tool("kubectl")
    tree = workdir / "k8s"
    if not tree.exists():
        shutil.copytree(
            BASE_DIR / "deploy" / "k8s", tree, ignore=shutil.ignore_patterns("secrets.env")
        )
        for example in tree.glob("overlays/*/secrets.env.example"):
            shutil.copy(example, example.with_name("secrets.env"))
    built = subprocess.run(
        [kubectl, "kustomize", str(tree / overlay)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    return [resource for resource in yaml.safe_load_all(built.stdout) if resource]
