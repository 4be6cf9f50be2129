"""The area's Community Trigger (ASB Case Review) procedure, as a reviewed TOML file in
``config/`` (its format is in README.md, "The Community Trigger procedure file"): who
leads, which bodies are relevant, what makes a complaint qualify, the local threshold
rules, the timescales in working days, the appeal, and how long applications are kept.
``parse_procedure`` returns it only when the file has no problems; otherwise
``ProcedureInvalid`` lists every problem with its line and field, as a protocol file's
are (``hub trigger check``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sharing.protocols.checker import (
    AGENCY_CODE,
    read_header,
    read_text,
    read_toml,
    sorted_problems,
)
from sharing.protocols.fields import Reader, did_you_mean, one_of, path_of
from sharing.protocols.model import TYPE_PREFIX
from sharing.protocols.problems import FileInvalid, Problem
from sharing.trigger.appeal_body import APPEAL_KEYS, Appeal, read_appeal
from sharing.vocabulary import AgencyType

TOP_KEYS = (
    "id",
    "title",
    "version",
    "lead",
    "relevant_bodies",
    "qualifying",
    "rules",
    "timescales",
    "appeal",
    "retention",
)
QUALIFYING_KEYS = (
    "report_within_days",
    "apply_within_months",
    "latest_incident_within_days",
    "same_incident_hours",
)
RULE_KEYS = ("id", "kind", "title", "count", "within_months")
TIMESCALE_KEYS = ("acknowledge", "threshold_decision", "review_meeting", "outcome")
RETENTION_KEYS = ("years_after_outcome",)

#: How a threshold rule counts (``discretion`` counts nothing: a senior officer decides).
RULE_KINDS = {
    "complaints": "qualifying complaints about the problem, each incident counted once",
    "community": "complaints about the problem from different people",
    "hate": "qualifying complaints of a hate incident",
    "discretion": "a senior officer's decision to review, with the reason recorded",
}
#: The Act's qualifying complaint (s.104(11)): made within one month of the behaviour
#: (28 to 31 days, as the month is), the application within six months of it.
ACT_REPORT_DAYS = 31
ACT_REPORT_DAYS_LEAST = 28
ACT_APPLY_MONTHS = 6
#: The Act's ceiling (s.104(4)): this many qualifying complaints meet the threshold.
ACT_COMPLAINTS = 3
#: Bounds that keep every count and clock a sensible size: reports of the same behaviour
#: a week apart at most; a latest incident within six months; a rule counting up to 100;
#: a timescale or appeal of up to 60 working days (about three months).
MOST_SAME_INCIDENT_HOURS = 7 * 24
MOST_LATEST_INCIDENT_DAYS = 6 * 31
MOST_COUNT = 100
MOST_WORKING_DAYS = 60
#: An application is kept at least a year after the applicant is told the outcome (the
#: figures are published every year) and at most ten.
MOST_RETENTION_YEARS = 10
_ALLOWED = (
    "a TOML document (https://toml.io) with the keys and tables described in README.md "
    '("The Community Trigger procedure file")'
)
_RULES_ALLOWED = (
    "one [[rules]] table per threshold rule, each with id, kind (one of "
    f"{one_of(list(RULE_KINDS))}), title, and count and within_months unless kind is "
    "discretion"
)


class ProcedureInvalid(FileInvalid):
    """A procedure file has problems, so it is not loaded."""

    what = "Community Trigger procedure"


@dataclass(frozen=True)
class Rule:
    """One local threshold rule: met when at least ``count`` of what its kind counts
    happened in the ``within_months`` before the application."""

    id: str
    kind: str
    title: str
    count: int | None = None
    within_months: int | None = None


@dataclass(frozen=True)
class Qualifying:
    """What makes a complaint count."""

    #: A complaint qualifies if it was made within this many days of the behaviour.
    report_within_days: int
    #: The application must be made within this many months of the complaint.
    apply_within_months: int
    #: Reports of the same behaviour to several agencies, about the same person or
    #: address and within this many hours of each other, count as one incident.
    same_incident_hours: int
    #: If set, the latest incident must be within this many days of the application.
    latest_incident_within_days: int | None = None


@dataclass(frozen=True)
class Timescales:
    """The local timescales, in working days."""

    acknowledge: int
    threshold_decision: int
    review_meeting: int
    outcome: int


@dataclass(frozen=True)
class Retention:
    """How long the lead keeps an application once the applicant has been told the
    outcome (the protocol's retention): then its personal data is erased."""

    years_after_outcome: int


@dataclass(frozen=True)
class Procedure:
    id: str
    title: str
    version: int
    #: The lead agency's code.
    lead: str
    #: The relevant bodies: agency codes, or ``type:<agency type>`` for every agency of it.
    relevant_bodies: tuple[str, ...]
    qualifying: Qualifying
    rules: tuple[Rule, ...]
    timescales: Timescales
    appeal: Appeal
    source: str
    #: None when the file sets no retention: applications are then kept.
    retention: Retention | None = None

    def is_relevant(self, code: str, agency_type: AgencyType) -> bool:
        """Whether the agency is one of the relevant bodies."""
        return code in self.relevant_bodies or (
            f"{TYPE_PREFIX}{agency_type.value}" in self.relevant_bodies
        )


def parse_procedure(
    text: str, source: str, known_agencies: Mapping[str, AgencyType] | None = None
) -> Procedure:
    """The procedure in ``text``; ``ProcedureInvalid`` listing every problem if it has any.
    With ``known_agencies`` (code → type), the lead and relevant bodies must be agencies
    of the partnership."""
    read = read_toml(text, source, _ALLOWED)
    if isinstance(read, Problem):
        raise ProcedureInvalid([read])
    data, reader = read
    procedure = _read(reader, data, source, known_agencies)
    if reader.problems or procedure is None:
        raise ProcedureInvalid(sorted_problems(reader.problems))
    return procedure


def check_file(
    path: str | os.PathLike[str], known_agencies: Mapping[str, AgencyType] | None = None
) -> list[Problem]:
    """Every problem in the procedure file at ``path``; empty when it is valid."""
    text = read_text(path, _ALLOWED)
    if isinstance(text, Problem):
        return [text]
    try:
        parse_procedure(text, os.fspath(path), known_agencies)
    except ProcedureInvalid as invalid:
        return invalid.problems
    return []


def load_procedure(
    path: str | os.PathLike[str], known_agencies: Mapping[str, AgencyType] | None = None
) -> Procedure:
    """The procedure at ``path``; ``ProcedureInvalid`` if it cannot be read or has problems."""
    text = read_text(path, _ALLOWED)
    if isinstance(text, Problem):
        raise ProcedureInvalid([text])
    return parse_procedure(text, os.fspath(path), known_agencies)


def _read(
    reader: Reader,
    data: Mapping[str, Any],
    source: str,
    known: Mapping[str, AgencyType] | None,
) -> Procedure | None:
    reader.unknown_keys(data, TOP_KEYS, "")
    procedure_id, title, version = read_header(reader, data, "northshire-asb-case-review")
    bodies = _bodies(reader, data, known)
    lead = reader.text(data, "lead", "", pattern=AGENCY_CODE, allowed="an agency code")
    if lead is not None:
        if known is not None and lead not in known:
            hint = did_you_mean(lead, list(known))
            reader.add(
                "lead", f'"{lead}" is not an agency of the partnership{hint}', one_of(sorted(known))
            )
        elif bodies is not None and not _covers(bodies, lead, known):
            reader.add("lead", f'"{lead}" is not one of the relevant bodies', one_of(bodies))
    qualifying = _qualifying(reader, _table(reader, data, "qualifying", QUALIFYING_KEYS))
    rules = _rules(reader, data, qualifying)
    timescales = _timescales(reader, _table(reader, data, "timescales", TIMESCALE_KEYS))
    appeal_table = _table(reader, data, "appeal", APPEAL_KEYS)
    appeal = read_appeal(reader, appeal_table, MOST_WORKING_DAYS)
    retention = _retention(reader, data)
    if reader.problems:
        return None
    if None in (procedure_id, title, version, lead, bodies, qualifying, timescales, appeal):
        raise AssertionError("a missing field was not reported")  # pragma: no cover
    return Procedure(
        id=procedure_id or "",
        title=title or "",
        version=version or 0,
        lead=lead or "",
        relevant_bodies=tuple(bodies or ()),
        qualifying=qualifying,  # type: ignore[arg-type]
        rules=tuple(rules),
        timescales=timescales,  # type: ignore[arg-type]
        appeal=appeal,  # type: ignore[arg-type]
        source=source,
        retention=retention,
    )


def _covers(bodies: list[str], code: str, known: Mapping[str, AgencyType] | None) -> bool:
    """Whether the relevant bodies name the agency, by code or (when the partnership's
    agencies are known) by type; without them a type may cover it."""
    if code in bodies:
        return True
    if known is None:
        return any(b.startswith(TYPE_PREFIX) for b in bodies)
    return f"{TYPE_PREFIX}{known[code].value}" in bodies


def _table(
    reader: Reader, data: Mapping[str, Any], key: str, keys: tuple[str, ...]
) -> Mapping[str, Any] | None:
    value = data.get(key)
    allowed = f"a [{key}] table with {one_of(keys)}"
    if value is None:
        reader.add(key, f"missing required table [{key}]", allowed)
        return None
    if not isinstance(value, dict):
        reader.add(key, f"expected a [{key}] table", allowed)
        return None
    reader.unknown_keys(value, keys, key)
    return value


def _bodies(
    reader: Reader, data: Mapping[str, Any], known: Mapping[str, AgencyType] | None
) -> list[str] | None:
    types = [f"{TYPE_PREFIX}{t.value}" for t in AgencyType]
    allowed = "agency codes, or type:<agency type> for every agency of a type"
    bodies = reader.strings(data, "relevant_bodies", "", required=True, allowed=allowed)
    for body in bodies or ():
        if body.startswith(TYPE_PREFIX):
            if body not in types:
                reader.add(
                    "relevant_bodies",
                    f'unknown agency type "{body}"{did_you_mean(body, types)}',
                    one_of(types),
                )
        elif known is not None and body not in known:
            reader.add(
                "relevant_bodies",
                f'"{body}" is not an agency of the partnership{did_you_mean(body, list(known))}',
                one_of(sorted(known)),
            )
        elif not AGENCY_CODE.fullmatch(body):
            reader.add("relevant_bodies", f'"{body}" is not an agency code', allowed)
    return bodies


def _qualifying(reader: Reader, table: Mapping[str, Any] | None) -> Qualifying | None:
    if table is None:
        return None
    within = reader.integer(table, "report_within_days", "qualifying", most=ACT_REPORT_DAYS)
    if within is not None and within < ACT_REPORT_DAYS_LEAST:
        reader.add(
            "qualifying.report_within_days",
            f"{within} days is shorter than the Act's month (s.104(11): a complaint made "
            "within one month of the behaviour qualifies)",
            f"a whole number from {ACT_REPORT_DAYS_LEAST} to {ACT_REPORT_DAYS}",
        )
        within = None
    apply = reader.integer(table, "apply_within_months", "qualifying", most=ACT_APPLY_MONTHS)
    hours = reader.integer(
        table, "same_incident_hours", "qualifying", most=MOST_SAME_INCIDENT_HOURS
    )
    latest = None
    if "latest_incident_within_days" in table:
        latest = reader.integer(
            table, "latest_incident_within_days", "qualifying", most=MOST_LATEST_INCIDENT_DAYS
        )
    if within is None or apply is None or hours is None:
        return None
    return Qualifying(within, apply, hours, latest)


_RULE_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _rules(reader: Reader, data: Mapping[str, Any], qualifying: Qualifying | None) -> list[Rule]:
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, table in reader.tables(data, "rules", _RULES_ALLOWED):
        prefix = f"rules[{index}]"
        reader.unknown_keys(table, RULE_KEYS, prefix)
        rule_id = reader.text(
            table, "id", prefix, pattern=_RULE_ID, max_length=40, allowed="e.g. three-complaints"
        )
        if rule_id is not None and rule_id in seen:
            reader.add(path_of(prefix, "id"), f'"{rule_id}" is the id of an earlier rule')
        title = reader.text(table, "title", prefix, max_length=300)
        kind = reader.choice(table, "kind", prefix, list(RULE_KINDS), "rule kind")
        if "kind" not in table:
            reader.add(
                path_of(prefix, "kind"), 'missing required key "kind"', one_of(list(RULE_KINDS))
            )
        count = within = None
        if kind == "discretion":
            for key in ("count", "within_months"):
                if key in table:
                    reader.add(
                        path_of(prefix, key),
                        "a discretion rule counts nothing: a senior officer decides",
                    )
        elif kind is not None:
            count = reader.integer(table, "count", prefix, most=MOST_COUNT)
            within = reader.integer(table, "within_months", prefix)
            if (
                within is not None
                and qualifying is not None
                and within > qualifying.apply_within_months
            ):
                reader.add(
                    path_of(prefix, "within_months"),
                    f"{within} months reaches further back than a complaint may be "
                    f"({qualifying.apply_within_months} months, qualifying.apply_within_months)",
                    f"at most {qualifying.apply_within_months}",
                )
        if rule_id is not None and title is not None and kind is not None:
            seen.add(rule_id)
            rules.append(Rule(rule_id, kind, title, count, within))
    _within_the_act(reader, rules, qualifying)
    return rules


def _within_the_act(reader: Reader, rules: list[Rule], qualifying: Qualifying | None) -> None:
    """A problem, at the first complaints rule's count, when no complaints rule is met by
    three qualifying complaints in six months: the Act (s.104(4)) makes three meet the
    threshold, so a procedure may ask for fewer, or look further back, never the reverse."""
    counting = [(i, r) for i, r in enumerate(rules) if r.kind == "complaints"]
    if qualifying is None or any(r.count is None or r.within_months is None for _, r in counting):
        return  # a problem of its own already
    if any(
        (r.count or 0) <= ACT_COMPLAINTS and r.within_months == ACT_APPLY_MONTHS
        for _, r in counting
    ):
        return
    reader.add(
        path_of(f"rules[{counting[0][0]}]", "count") if counting else "rules",
        f"no complaints rule is met by {ACT_COMPLAINTS} qualifying complaints in "
        f"{ACT_APPLY_MONTHS} months: the Act (s.104(4)) makes three qualifying complaints "
        "meet the threshold",
        f"a complaints rule with count at most {ACT_COMPLAINTS} and within_months = "
        f"{ACT_APPLY_MONTHS} (and qualifying.apply_within_months = {ACT_APPLY_MONTHS})",
    )


def _timescales(reader: Reader, table: Mapping[str, Any] | None) -> Timescales | None:
    if table is None:
        return None
    days = [
        reader.integer(table, key, "timescales", most=MOST_WORKING_DAYS) for key in TIMESCALE_KEYS
    ]
    if None in days:
        return None
    return Timescales(*days)  # type: ignore[arg-type]


def _retention(reader: Reader, data: Mapping[str, Any]) -> Retention | None:
    """The optional [retention] table: without it, applications are kept."""
    if "retention" not in data:
        return None
    table = _table(reader, data, "retention", RETENTION_KEYS)
    if table is None:
        return None
    years = reader.integer(table, "years_after_outcome", "retention", most=MOST_RETENTION_YEARS)
    return Retention(years) if years is not None else None
