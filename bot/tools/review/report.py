"""The review's sections, from the findings: what to fix first, then how it is used."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from actions.feedback import HELPFUL, NOT_HELPFUL
from actions.knowledge import load_knowledge
from actions.tour_steps import load_tour
from bot.tools.review import charts
from bot.tools.review.findings import (
    REASONS,
    Findings,
    Question,
    not_helpful,
    topic_title,
)
from bot.tools.review.grouping import groups
from bot.tools.review.page import Figure, Section, Table

MAX_VARIANTS = 5  # similar questions shown under a group's first


@dataclass
class QuestionGroup:
    questions: list[Question]

    @property
    def texts(self) -> list[str]:
        return list(dict.fromkeys(q.text for q in self.questions))

    @property
    def topic(self) -> str | None:
        topics = Counter(q.topic for q in self.questions if q.topic)
        return topics.most_common(1)[0][0] if topics else None

    @property
    def confidence(self) -> float | None:
        values = [q.confidence for q in self.questions if q.topic == self.topic and q.confidence]
        return max(values) if values else None

    @property
    def reasons(self) -> str:
        counts = Counter(REASONS.get(q.reason, q.reason) for q in self.questions)
        return "; ".join(f"{r} ({n})" if len(counts) > 1 else r for r, n in counts.most_common())


def question_groups(questions: list[Question]) -> list[QuestionGroup]:
    return [
        QuestionGroup([questions[i] for i in group])
        for group in groups([q.text for q in questions])
    ]


def when(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime("%Y-%m-%d %H:%M")


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "0%"


def share(confidence: float | None) -> str:
    return f"{100 * confidence:.0f}%" if confidence is not None else "–"


def glance(findings: Findings, grouped: list[QuestionGroup]) -> Section:
    helpful = sum(f.rating == HELPFUL for f in findings.feedback)
    unhelpful = sum(f.rating == NOT_HELPFUL for f in findings.feedback)
    declined = len(findings.declined)
    rows = [
        ["Conversations", str(findings.conversations)],
        ["Messages (typed or buttons)", str(findings.questions)],
        [
            "Declined or unsure",
            f"{declined} ({percent(declined, findings.questions)}), "
            f"{len(grouped)} different questions",
        ],
        ["Answers marked Helpful / Not helpful", f"{helpful} / {unhelpful}"],
        ["\u201cDid you mean\u2026?\u201d asked", str(len(findings.choices))],
        ["Hand-offs to the contact details", str(len(findings.handoffs))],
        ["Guided tours started / finished", f"{findings.tour_started} / {findings.tour_finished}"],
    ]
    todo = []
    if grouped:
        top = grouped[0]
        todo.append(
            f"Most asked without an answer: \u201c{top.texts[0]}\u201d ({len(top.questions)} "
            f"times; nearest topic {topic_title(top.topic)})."
        )
    worst = Counter(topic_title(f.topic) for f in not_helpful(findings)).most_common(1)
    if worst:
        todo.append(f"Most often marked Not helpful: {worst[0][0]} ({worst[0][1]} times).")
    if not todo:
        todo.append("Nothing to fix: no declined questions and no Not helpful answers.")
    return Section(
        "At a glance",
        todo,
        [Table("This period in numbers", ["What", "How many"], rows)],
    )


def declined_section(grouped: list[QuestionGroup]) -> Section:
    rows = []
    for group in grouped:
        texts = group.texts
        shown = texts[0] + "".join(f"\n\u2022 {t}" for t in texts[1:MAX_VARIANTS])
        if len(texts) > MAX_VARIANTS:
            shown += f"\n(and {len(texts) - MAX_VARIANTS} more alike)"
        rows.append(
            [
                shown,
                str(len(group.questions)),
                group.reasons,
                f"{topic_title(group.topic)} ({share(group.confidence)})"
                if group.topic
                else topic_title(None),
                group.questions[0].reply,
            ]
        )
    return Section(
        "Questions it declined or was unsure about",
        [
            "Similar questions are grouped, the most asked first. For each, either add "
            "questions like it to the nearest topic's training examples (data/nlu/), add a "
            "fact or a link, or leave it declined if the summary does not cover it. "
            "`make review EXPORT=var/review/candidates.yml` writes them as candidate "
            "training examples."
        ],
        [
            Table(
                f"Declined or unsure questions: {len(grouped)} groups",
                [
                    "Question (and similar ones)",
                    "Times",
                    "Why",
                    "Nearest topic (confidence)",
                    "Reply given",
                ],  # fmt: skip
                rows,
            )
        ],
    )


def feedback_section(findings: Findings) -> Section:
    rows = [
        [
            f.question,
            f"{topic_title(f.topic)}: {f.answer}",
            f.comment or "(no comment)",
            when(f.when),
            f.visitor,
        ]
        for f in sorted(not_helpful(findings), key=lambda f: f.when)
    ]
    per_topic: dict[str, Counter] = {}
    for item in findings.feedback:
        per_topic.setdefault(topic_title(item.topic), Counter())[item.rating] += 1
    totals = [
        [topic, str(counts[HELPFUL]), str(counts[NOT_HELPFUL])]
        for topic, counts in sorted(per_topic.items(), key=lambda kv: -kv[1][NOT_HELPFUL])
    ]
    return Section(
        "Answers marked \u201cNot helpful\u201d",
        [
            "Each with the question before it and the comment left. Check the topic's "
            "facts and buttons (actions/content/topics.yml) and how people ask for it."
        ],
        [
            Table(
                "Not helpful answers",
                [
                    "Question asked",
                    "Answer given (topic: start)",
                    "Comment",
                    "When (UTC)",
                    "Visitor",
                ],  # fmt: skip
                rows,
            ),
            Table("Feedback per topic", ["Topic", "Helpful", "Not helpful"], totals),
        ],
    )


def choices_section(findings: Findings) -> Section:
    rows = [
        [c.question, " / ".join(c.offered), c.picked, when(c.when)]
        for c in sorted(findings.choices, key=lambda c: c.when)
    ]
    picked = Counter(c.picked for c in findings.choices)
    return Section(
        "\u201cDid you mean\u2026?\u201d choices",
        [
            "When two topics were about equally likely, the assistant asked which one was "
            "meant. A topic picked often for a question is a sign to train that question "
            "into it."
        ],
        [
            Table("What people picked", ["Question", "Offered", "Picked", "When (UTC)"], rows),
            Table(
                "Picks, counted",
                ["Picked", "Times"],
                [[name, str(n)] for name, n in picked.most_common()],
            ),
        ],
    )


def handoffs_section(findings: Findings) -> Section:
    rows = [
        [h.question, when(h.when), h.channel, h.visitor]
        for h in sorted(findings.handoffs, key=lambda h: h.when)
    ]
    return Section(
        "Hand-offs to the contact details",
        ["After three misses in a row the assistant offers the team's contact details."],
        [Table("Hand-offs", ["Last question before it", "When (UTC)", "Channel", "Visitor"], rows)],
    )


def usage_section(findings: Findings, out: Path) -> Section:
    days = sorted(findings.per_day_channel)
    channels = sorted({c for counts in findings.per_day_channel.values() for c in counts})
    per_day = findings.per_day_channel
    alt = charts.questions_per_day(per_day, out / "messages-per-day.png")
    channel_rows = [[d, *(str(per_day[d][c]) for c in channels)] for d in days]
    totals: Counter = Counter()
    for counts in findings.per_day_topic.values():
        totals.update(counts)
    titles = {name: topic.title for name, topic in load_knowledge().topics.items()}
    topic_alt = charts.answers_per_topic(totals, titles, out / "answers-per-topic.png")
    topic_days = sorted(findings.per_day_topic)
    topic_rows = [
        [
            titles.get(name, str(name)),
            str(count),
            *(str(findings.per_day_topic[d][name]) for d in topic_days),
        ]  # fmt: skip
        for name, count in totals.most_common()
    ]
    steps = load_tour().steps
    tour_alt = charts.tour_progress(
        findings.tour_reached, [s.title for s in steps], findings.tour_finished,
        out / "tour-progress.png",
    )  # fmt: skip
    tour_rows = [
        [f"{i + 1}. {step.title}", str(findings.tour_reached[i])] for i, step in enumerate(steps)
    ] + [["Reached the end", str(findings.tour_finished)]]
    return Section(
        "How it is used",
        [],
        [
            Section(
                "Messages per day, by channel",
                [],
                [
                    Figure("messages-per-day.png", alt, "Messages per day, by channel."),
                    Table("Messages per day", ["Day (UTC)", *channels], channel_rows),
                ],
            ),
            Section(
                "Answers per topic",
                [],
                [
                    Figure("answers-per-topic.png", topic_alt, "Answers per topic."),
                    Table("Answers per topic and day", ["Topic", "All", *topic_days], topic_rows),
                ],
            ),
            Section(
                "How far people get in the guided tour",
                [f"{findings.tour_started} conversations started the tour."],
                [
                    Figure("tour-progress.png", tour_alt, "Conversations reaching each step."),
                    Table("Tour steps reached", ["Step", "Conversations"], tour_rows),
                ],
            ),
        ],
    )


def sections(findings: Findings, out: Path) -> tuple[list[Section], list[QuestionGroup]]:
    grouped = question_groups(findings.declined)
    return [
        glance(findings, grouped),
        declined_section(grouped),
        feedback_section(findings),
        choices_section(findings),
        handoffs_section(findings),
        usage_section(findings, out),
    ], grouped
