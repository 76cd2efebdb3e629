"""No secret in the repository: every file git tracks (or would track: new, not ignored)
is scanned for token-like strings. Test fixtures use obvious fakes ("test", "example")."""

import math
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIP_SUFFIXES = {".png", ".jpg", ".gif", ".ico", ".gz", ".whl", ".woff", ".woff2", ".pdf"}
SKIP_PARTS = {"node_modules", "vendor"}  # third-party bundles, pinned by hash elsewhere
PATTERNS = {
    "Slack token": re.compile(r"\bxox[abposr]-\d{6,}-[0-9A-Za-z-]{10,}"),
    "Slack app token": re.compile(r"\bxapp-\d-[A-Z0-9]{8,}-\d{6,}-[0-9a-f]{20,}"),
    "Slack webhook": re.compile(r"hooks\.slack\.com/services/T[0-9A-Z]{6,}/B[0-9A-Z]{6,}/\w{16,}"),
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----"),
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "AWS secret key": re.compile(r"(?i)aws_secret_access_key\s*[=:]\s*['\"]?[A-Za-z0-9/+=]{40}"),
    "GitHub token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_\w{60,})"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
}
ASSIGNMENT = re.compile(
    r"(?i)\b[\w-]*(?:secret|token|passw(?:or)?d|api[_-]?key|private[_-]?key)[\w-]*['\"]?"
    r"\s*[:=]\s*['\"]?([A-Za-z0-9+/_.=-]{16,})"
)
PLACEHOLDERS = re.compile(r"(?i)test|example|dummy|fake|placeholder|changeme|your|xxxx|\$\{")
PATH_LIKE = re.compile(r"[a-z0-9_.-]+(?:/[a-z0-9_.-]+)+")  # a file name, not a secret
MIN_ENTROPY = 3.5  # bits per character; random tokens of this length score 4 and more


def entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def repository_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    paths = [ROOT / name for name in listed.split("\0") if name]
    return [
        p
        for p in paths
        if p.is_file()
        and p.suffix.lower() not in SKIP_SUFFIXES
        and not SKIP_PARTS & set(p.relative_to(ROOT).parts)
    ]


def findings(text: str) -> list[str]:
    found = [name for name, pattern in PATTERNS.items() if pattern.search(text)]
    for match in ASSIGNMENT.finditer(text):
        value = match.group(1)
        if PLACEHOLDERS.search(match.group(0)) or PATH_LIKE.fullmatch(value):
            continue
        if entropy(value) >= MIN_ENTROPY:
            found.append(f"high-entropy assignment {match.group(0)[:40]!r}")
    return found


def test_the_scanner_finds_each_kind_of_secret() -> None:
    # built at run time, so this file holds no secret-looking string itself
    samples = [
        "xox" + "b-" + "123456789012-1234567890123-" + "a1B2c3D4e5F6g7H8i9J0k1L2",
        "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIE...",
        "AKIA" + "Z3X7Q9W2E5R8T1Y4",
        "aws_secret_access_key = " + "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq9Xw3Lm5T",
        "gh" + "p_" + "a8K2mQ9xL4vB7nR3tY6wZ1cF5hJ0pS2dG8uE",
        "SIGNING_SECRET = '" + "9f3Kq7Lz2Xw8Vb4Nm6Rt1Yp5" + "'",
    ]
    for sample in samples:
        assert findings(sample), sample
    for harmless in (
        "SLACK_BOT_TOKEN=",
        'BOT_TOKEN = "xoxb-test-token"',
        "password: ${TRACKER_DB_PASSWORD}",
        'token = "example-token-for-docs-only"',
        "RASA_AUTH_TOKEN: ${RASA_AUTH_TOKEN:?set RASA_AUTH_TOKEN}",
        'DEFAULT_SECRET_FILE = "var/socket_session.key"',
    ):
        assert not findings(harmless), harmless


def test_no_file_in_the_repository_holds_a_secret() -> None:
    files = repository_files()
    assert len(files) > 20
    leaks = {}
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        found = findings(text)
        if found:
            leaks[str(path.relative_to(ROOT))] = found
    assert not leaks, leaks


@pytest.mark.parametrize("name", [".env", "var/socket_session.key"])
def test_local_secret_files_are_ignored_by_git(name: str) -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", name], cwd=ROOT, capture_output=True, timeout=30
    )
    assert ignored.returncode == 0, f"{name} is not in .gitignore"
