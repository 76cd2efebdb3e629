"""What a message asks for, read from its words alone (no model).

- ``focus``: the question inside a long message, so the sentences that describe the
  person's situation do not drown it;
- ``asked_kinds``: the kind of answer a question wants (a number, an amount of money, a
  date, a duration, contact details, a person's name, a place);
- ``fact_kinds``: the kinds of answer a fact can give;
- ``is_fragment``: a short message that leans on the previous question ("and in phase two?");
- ``word_count``: for the guard on control intents ("next", "stop").
"""

from __future__ import annotations

import re

FOCUS_MIN_CHARS = 140
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_QUESTION_START = re.compile(
    r"^(what|which|who|whose|how|why|when|where|is|are|was|were|do|does|did|can|could|"
    r"would|should|will|has|have|any|tell|give|show|explain|i'?d like|i want|i need)\b",
    re.I,
)

# The kind of answer a question asks for. Order matters only for readability.
ASKED_KIND_PATTERNS: dict[str, re.Pattern] = {
    "money": re.compile(
        r"\b(price|salary|salaries|wages?|fees?|pounds|how much (money|funding|cash|did|does|"
        r"was|were|is|are|do)|grant (size|amount)|amount of (money|funding)|pay rates?|"
        r"(total|the|their|its|overall) budget|budget (of|for|was|is))\b|£",
        re.I,
    ),
    "count": re.compile(
        r"\b(how many|number of|what number|headcount|how big|size of|rate|ratio|average|"
        r"how old|youngest|oldest)\b|"
        r"\b(what|which) (percentage|proportion|share|fraction|percent)\b|\bper ?cent\b|%",
        re.I,
    ),
    "date": re.compile(
        r"\b(what year|which year|what date|which date|what month|since when|date of|"
        r"deadline|launch date|publication date|release date|"
        r"when (was|were|did|will|does it (start|end|open|close)))\b",
        re.I,
    ),
    "duration": re.compile(r"\b(how long|duration|how many (months|years|weeks))\b", re.I),
    "phone": re.compile(r"\b(phone|telephone|number to call|call them|ring them|mobile)\b", re.I),
    "email": re.compile(r"\be-?mail\b", re.I),
    "address": re.compile(
        r"\b(postal address|postcode|post code|street|(?<!email )address)\b", re.I
    ),
    "website": re.compile(r"\b(website|web ?site|web address|url|homepage)\b", re.I),
    "social": re.compile(
        r"\b(twitter|tweet|x account|linkedin|instagram|facebook|followers|handle)\b", re.I
    ),
    "contact": re.compile(r"\b(contact details|get in touch|reach them|contact them)\b", re.I),
    "person": re.compile(
        r"\b(who is|who's|who was|who are|who were|name of|names of|named)\b.{0,40}\b(director|ceo|"
        r"chief executive|chair|chairperson|founder|head|manager|lead researcher|leader|"
        r"principal investigator|author|authors|staff)\b|"
        r"\b(director|ceo|chair|founder|manager|author)'?s names?\b|\b(who wrote|founded by|"
        r"who authored|surname|last name|full name|job title|occupation|profession)\b",
        re.I,
    ),
    "name": re.compile(
        r"\b(names? of|titles? of|what (are|were) they called|which journals?|"
        r"list (the|their) (names|titles))\b",
        re.I,
    ),
    "place": re.compile(
        r"\b(based (in|at)|where .{0,40}\bbased|located|location|which city|what city|"
        r"which town|what town|which country|what country|headquarters|head office)\b",
        re.I,
    ),
}

_NUMBER_WORDS = re.compile(
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten|hundred|quarter|half|third|"
    r"thirds|majority|most|over 700)\b",
    re.I,
)
FACT_KIND_PATTERNS: dict[str, re.Pattern] = {
    "money": re.compile(r"£\s?\d|\bremuneration\b", re.I),
    "count": re.compile(r"\d"),
    "date": re.compile(
        r"\b(19|20)\d\d\b|\b(january|february|march|april|may|june|july|"
        r"august|september|october|november|december)\b|coming soon",
        re.I,
    ),
    "duration": re.compile(r"\b\d+ (months?|years?|weeks?)\b", re.I),
    "contact": re.compile(r"@|\bphone\b|www\.|\bwebsite\b|\btwitter\b", re.I),
    "phone": re.compile(r"\bphone\b", re.I),
    "email": re.compile(r"\bemail\b", re.I),
    "website": re.compile(r"www\.|\bwebsite\b", re.I),
    "social": re.compile(r"\btwitter\b", re.I),
    "person": re.compile(
        r"\b(narrated by|niccola|issac|lydia|hameed|ashleigh|noreen|shahid)\b", re.I
    ),
    "place": re.compile(r"\b(uk|london|university college london|at ucl)\b", re.I),
}

_PRONOUN = re.compile(r"\b(it|its|it's|that|this|they|them|those|these|their)\b", re.I)
_FRAGMENT_START = re.compile(
    r"^(and|or|but|also|what about|how about|what of|and what about|and how about|"
    r"same for|what if|over|for|in|with|plus|then)\b",
    re.I,
)
_WORD = re.compile(r"[a-z0-9£%]+(?:'[a-z]+)?", re.I)


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def word_count(text: str) -> int:
    return len(words(text))


def sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE.split(text or "") if part and part.strip()]


def focus(text: str) -> str | None:
    """The question of a long message (its last question sentence), or None if short."""
    text = (text or "").strip()
    if len(text) < FOCUS_MIN_CHARS:
        return None
    parts = sentences(text)
    if len(parts) < 2:
        return None
    questions = [p for p in parts if p.endswith("?")] or [
        p for p in parts if _QUESTION_START.match(p)
    ]
    if not questions:
        return None
    chosen = questions[-1]
    # A question that leans on the sentence before it ("What does it say about that?").
    index = parts.index(chosen)
    if word_count(chosen) < 6 and index > 0:
        chosen = f"{parts[index - 1]} {chosen}"
    return chosen if chosen != text else None


def last_question(text: str) -> str:
    """The last question sentence of a message (else its last sentence)."""
    parts = sentences(text)
    if not parts:
        return text or ""
    questions = [p for p in parts if p.endswith("?")] or [
        p for p in parts if _QUESTION_START.match(p)
    ]
    return (questions or parts)[-1]


# What a question asks for first; contact words then only name its subject
# ("How many followers on Twitter?" asks for a number).
PRIMARY_KINDS = {"money", "count", "date", "duration", "person", "place", "name"}
# "phase 3", "version 2", "case study #4", "value 6": a numbered thing must exist.
NUMBERED = re.compile(
    r"\b(phase|version|section|case study #?|value|step|stage|wave|round)\s*#?\s*(\d+)\b", re.I
)
_PRECISE_NUMBER = re.compile(r"£?\d+(?:[.,]\d+)+%?|£?\d{3,}|\d+%")


def asked_kinds(text: str) -> set[str]:
    """The kinds of answer the question asks for; empty when it asks for none in particular."""
    kinds = {kind for kind, pattern in ASKED_KIND_PATTERNS.items() if pattern.search(text or "")}
    return (kinds & PRIMARY_KINDS) or kinds


_COUNTED = re.compile(r"\bhow many (?:of (?:the|their|its) )?([a-z]+)", re.I)


def counted_noun(text: str) -> str | None:
    """What "how many ..." counts ("how many partners were there?" -> "partners")."""
    found = _COUNTED.search(text or "")
    return found.group(1).lower() if found else None


def numbered_things(text: str) -> set[str]:
    """The numbered things a text names, as "phase 3", "case study 2"."""
    return {
        f"{m.group(1).lower().rstrip(' #')} {m.group(2)}" for m in NUMBERED.finditer(text or "")
    }


def precise_numbers(text: str) -> set[str]:
    """Numbers that name one thing (a year, a version, an amount, a share): "2.0", "2019", "30%"."""
    return {n.replace(",", "").lstrip("£") for n in _PRECISE_NUMBER.findall(text or "")}


def fact_kinds(text: str) -> set[str]:
    kinds = {kind for kind, pattern in FACT_KIND_PATTERNS.items() if pattern.search(text)}
    if _NUMBER_WORDS.search(text):
        kinds.add("count")
    return kinds


def is_fragment(text: str) -> bool:
    """A short message that only makes sense after the previous question."""
    count = word_count(text)
    if count == 0 or count > 8:
        return False
    text = text.strip()
    return (
        bool(_FRAGMENT_START.match(text))
        or (count <= 3 and text.endswith("?"))
        or (count <= 6 and bool(_PRONOUN.search(text)))
    )
