"""Reading response texts from the domain an action receives (the words stay in domain.yml)."""

import re
from typing import Any

SOURCE_LINE = re.compile(r"^From: (.+)$", re.MULTILINE)


def response_text(domain: dict[str, Any], name: str) -> str | None:
    variations = (domain.get("responses") or {}).get(name) or []
    return variations[0].get("text") if variations else None


def source_of(domain: dict[str, Any], name: str) -> str | None:
    """The source section an answer names in its last ``From: ...`` line."""
    text = response_text(domain, name) or ""
    found = SOURCE_LINE.findall(text)
    return found[-1].strip() if found else None
