"""The review as a document (sections of text, tables and plots), written as HTML and Markdown.

Both files come from the same ``Section`` list, so they always say the same. The HTML page
stands alone (its styles inline, plots beside it): headings in order, every table with a
caption and header cells, every plot with a text alternative and its numbers in a table,
text colours with at least 7:1 contrast.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[str]]
    empty: str = "Nothing in this period."


@dataclass
class Figure:
    src: str  # a file beside the page
    alt: str
    caption: str


@dataclass
class Section:
    heading: str
    intro: list[str] = field(default_factory=list)
    items: list[Table | Figure | Section] = field(default_factory=list)


STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; color: #1a1a1a; background: #fff;
       max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.75rem; } h2 { margin-top: 2.5rem; border-bottom: 2px solid #0b4f8a; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0 2rem; }
caption { text-align: left; font-weight: 600; padding: 0.25rem 0; }
th, td { border: 1px solid #767676; padding: 0.4rem 0.6rem; text-align: left;
         vertical-align: top; }
th { background: #e8eef5; }
tbody th { font-weight: normal; min-width: 14rem; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; } img { max-width: 100%; height: auto; }
figcaption { color: #1a1a1a; }
.note { background: #fff4d6; border-left: 4px solid #8a5a00; padding: 0.5rem 1rem; }
a { color: #0b4f8a; }
"""


def _is_number(text: str) -> bool:
    return text.replace(",", "").replace("%", "").replace(".", "", 1).isdigit()


def _html_table(table: Table) -> str:
    if not table.rows:
        return f"<p>{html.escape(table.caption)}: {html.escape(table.empty)}</p>"
    numeric = [all(_is_number(row[i]) for row in table.rows) for i in range(len(table.headers))]
    number = ' class="number"'
    head = "".join(
        f'<th scope="col"{number if numeric[i] else ""}>{html.escape(h)}</th>'
        for i, h in enumerate(table.headers)
    )
    body = []
    for row in table.rows:
        cells = []
        for index, cell in enumerate(row):
            text = html.escape(cell).replace("\n", "<br>")
            if index == 0:
                cells.append(f'<th scope="row">{text}</th>')
            else:
                cells.append(f"<td{number if numeric[index] else ''}>{text}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f"<table><caption>{html.escape(table.caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _html_section(section: Section, level: int) -> str:
    parts = [f"<section><h{level}>{html.escape(section.heading)}</h{level}>"]
    parts += [f"<p>{html.escape(p)}</p>" for p in section.intro]
    for item in section.items:
        if isinstance(item, Table):
            parts.append(_html_table(item))
        elif isinstance(item, Figure):
            parts.append(
                f'<figure><img src="{html.escape(item.src)}" alt="{html.escape(item.alt)}">'
                f"<figcaption>{html.escape(item.caption)}</figcaption></figure>"
            )
        else:
            parts.append(_html_section(item, level + 1))
    parts.append("</section>")
    return "\n".join(parts)


def to_html(title: str, lead: list[str], note: str, sections: list[Section]) -> str:
    body = "\n".join(_html_section(s, 2) for s in sections)
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in lead)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>\n"
        f"<body><main><h1>{html.escape(title)}</h1>{paragraphs}"
        f'<p class="note">{html.escape(note)}</p>\n{body}</main></body></html>\n'
    )


def _md_cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split("\n")).strip() or " "


def _md_table(table: Table) -> list[str]:
    if not table.rows:
        return [f"{table.caption}: {table.empty}", ""]
    lines = [f"**{table.caption}**", ""]
    lines.append("| " + " | ".join(_md_cell(h) for h in table.headers) + " |")
    lines.append("|" + "---|" * len(table.headers))
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows]
    return [*lines, ""]


def _md_section(section: Section, level: int) -> list[str]:
    lines = ["#" * level + " " + section.heading, ""]
    for paragraph in section.intro:
        lines += [paragraph, ""]
    for item in section.items:
        if isinstance(item, Table):
            lines += _md_table(item)
        elif isinstance(item, Figure):
            lines += [f"![{item.alt}]({item.src})", "", f"*{item.caption}*", ""]
        else:
            lines += _md_section(item, level + 1)
    return lines


def to_markdown(title: str, lead: list[str], note: str, sections: list[Section]) -> str:
    lines = [f"# {title}", ""]
    for paragraph in [*lead, f"> {note}"]:
        lines += [paragraph, ""]
    for section in sections:
        lines += _md_section(section, 2)
    return "\n".join(lines).rstrip() + "\n"


def write(out: Path, title: str, lead: list[str], note: str, sections: list[Section]) -> Path:
    """Write ``index.html`` and ``review.md`` into ``out``; returns the HTML page's path."""
    page = out / "index.html"
    page.write_text(to_html(title, lead, note, sections), encoding="utf-8")
    (out / "review.md").write_text(to_markdown(title, lead, note, sections), encoding="utf-8")
    return page
