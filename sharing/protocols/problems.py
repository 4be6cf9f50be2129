"""What is wrong with a protocol file: one ``Problem`` per fault, each pointing at a line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a protocol file: where, which field, what, and what is allowed."""

    #: The file (or other source) the protocol was read from.
    source: str
    #: The line the problem is on, from 1; None when there is no such line (a missing key).
    line: int | None
    #: Dotted path of the field, e.g. ``clauses[2].categories``; "" for the whole file.
    field: str
    #: What is wrong.
    message: str
    #: What is allowed instead; "" when there is nothing more to say.
    allowed: str = ""

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        text = (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )
        return f"{text} (allowed: {self.allowed})" if self.allowed else text


class FileInvalid(ValueError):
    """A reviewed file (a protocol, the Community Trigger procedure, the closure survey,
    the housing stock) has problems, so it is not loaded; ``problems`` holds every one,
    the message the first."""

    #: What the file is, in the message ("invalid protocol: ...").
    what = "file"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        first = str(self.problems[0]) if self.problems else "no problems given"
        more = f" (and {count - 1} more)" if count > 1 else ""
        super().__init__(f"invalid {self.what}: {first}{more}")


class ProtocolInvalid(FileInvalid):
    """A protocol file has problems, so it is not loaded."""

    what = "protocol"
