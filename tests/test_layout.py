"""The running assistant and the tools that measure it stay apart (``bot.tools``)."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNTIME = [p for p in (ROOT / "bot").rglob("*.py") if "tools" not in p.relative_to(ROOT).parts]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_runtime_never_imports_the_tools() -> None:
    assert len(RUNTIME) > 15
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if "bot.tools" in m)
        for path in RUNTIME
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_runtime_command_line_loads_tools_only_when_asked() -> None:
    """``python -m bot run`` works in the image, where ``bot/tools`` is not shipped."""
    main = (ROOT / "bot" / "__main__.py").read_text(encoding="utf-8")
    assert "bot.tools" in main  # named as a module path, imported on demand
    assert not {m for m in imported_modules(ROOT / "bot" / "__main__.py") if "bot.tools" in m}


def test_the_rasa_image_ships_no_tools_or_tests() -> None:
    ignored = (ROOT / "deploy" / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    for path in ("bot/tools", "tests"):
        assert path in ignored


def test_make_help_lists_every_target() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    described = set(re.findall(r"^## ([a-z-]+):", makefile, re.M))
    targets = set(re.findall(r"^([a-z][a-z-]*):(?!=)", makefile, re.M))
    assert targets - described == set()


SENTENCE = re.compile(r"[A-Za-z]{2,}[ ,:;!?][ *]*[A-Za-z]{2,}")


def spoken_literals(path: Path) -> list[tuple[int, str]]:
    """String literals that read like words for people: not docstrings, patterns, error
    messages for the people who edit the content, or log lines."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            skipped.add(id(body[0].value))
        calls_pattern_or_log = isinstance(node, ast.Call) and (
            ast.unparse(node.func).split(".")[-1] in {"compile", "debug", "info", "warning"}
            or ast.unparse(node.func).startswith(("re.", "logger."))
        )
        if isinstance(node, ast.Raise) or calls_pattern_or_log:
            skipped.update(id(inner) for inner in ast.walk(node))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skipped
        and SENTENCE.search(node.value)
    ]


def test_actions_say_only_words_from_the_domain_or_the_content() -> None:
    found = {
        f"{path.name}:{line}": text
        for path in sorted((ROOT / "actions").glob("*.py"))
        for line, text in spoken_literals(path)
    }
    assert found == {}
