"""Shared fixtures: the project's files, parsed once."""

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def load_yaml(relative: str) -> dict:
    return yaml.safe_load((ROOT / relative).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def domain() -> dict:
    return load_yaml("domain.yml")


@pytest.fixture(scope="session")
def rules() -> list[dict]:
    return [
        rule
        for path in sorted((ROOT / "data/rules").glob("*.yml"))
        for rule in load_yaml(str(path.relative_to(ROOT))).get("rules", [])
    ]


@pytest.fixture(scope="session")
def source_text() -> str:
    return (ROOT / "docs/value-of-coproduction-summary.txt").read_text(encoding="utf-8")
