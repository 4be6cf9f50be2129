"""The README as its readers use it: every link within it lands on a section, and the
"Where to read, by what you do" list at its top leads to every section."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"
IN_PAGE_LINK = re.compile(r"\]\(#([^)]+)\)")


def _lines_outside_code() -> list[str]:
    """The README's lines that are not inside a fenced code block (whose ``#`` lines are
    shell comments, not headings)."""
    lines, fenced = [], False
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def _anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to
    hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def _sections() -> dict[str, str]:
    """Each section's anchor and its heading, the title (``# …``) left out."""
    return {
        _anchor(line.lstrip("#").strip()): line
        for line in _lines_outside_code()
        if line.startswith("##")
    }


def _where_to_read() -> str:
    text = "\n".join(_lines_outside_code())
    start = text.index("Where to read, by what you do:")
    return text[start : text.index("What works in this release:", start)]


def test_every_link_within_the_readme_lands_on_a_section() -> None:
    sections = _sections()
    links = IN_PAGE_LINK.findall("\n".join(_lines_outside_code()))
    assert links, "the README links to its own sections"
    assert sorted({link for link in links if link not in sections}) == []


def test_the_list_at_the_top_leads_to_every_section() -> None:
    listed = set(IN_PAGE_LINK.findall(_where_to_read()))
    missing = [heading for anchor, heading in _sections().items() if anchor not in listed]
    assert missing == []


def test_a_heading_the_readme_links_to_is_found_by_its_anchor() -> None:
    assert _anchor("Closing a case: its outcome and the complainant's survey") == (
        "closing-a-case-its-outcome-and-the-complainants-survey"
    )
    assert _anchor("The Community Trigger (ASB Case Review)") == (
        "the-community-trigger-asb-case-review"
    )
