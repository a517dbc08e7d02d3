"""The commands that the Procfile, the Dockerfile and docker-compose.yml run, read from them."""

import json
import re
from pathlib import Path

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
