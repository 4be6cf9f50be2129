"""The area's Community Trigger procedure file: the shipped Northshire one loads, and each
kind of mistake is reported with its line, field and what is allowed, every problem in one
pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from sharing.demo.partnership import AGENCIES
from sharing.trigger.procedure import (
    ProcedureInvalid,
    check_file,
    load_procedure,
    parse_procedure,
)
from sharing.vocabulary import AgencyType

SHIPPED = Path(__file__).parents[3] / "config" / "northshire-community-trigger.toml"
KNOWN = {a.code: a.type for a in AGENCIES}


def test_the_shipped_northshire_procedure_loads_against_the_demo_agencies() -> None:
    procedure = load_procedure(SHIPPED, KNOWN)
    assert procedure.lead == "northshire-csp"
    assert [r.id for r in procedure.rules] == [
        "three-complaints",
        "community",
        "hate-incident",
        "vulnerable-victim",
    ]
    assert procedure.rules[0].count == 3
    assert procedure.rules[0].within_months == 6
    assert procedure.rules[-1].count is None  # discretion counts nothing
    assert procedure.qualifying.report_within_days == 31
    assert procedure.qualifying.same_incident_hours == 24
    assert procedure.timescales.threshold_decision == 10
    assert procedure.appeal.within_working_days == 20
    assert procedure.appeal.address[-1] == "Northshire NX2 7PC"
    assert procedure.appeal.email == "appeals@northshire-pcc.example"
    assert procedure.appeal.phone == "01632 960 700"
    assert procedure.retention is not None
    assert procedure.retention.years_after_outcome == 3  # the protocol's three years
    # Relevant bodies: the council, police, ICB and (by type) every landlord.
    assert procedure.is_relevant("larkmoor-ha", AgencyType.LANDLORD)
    assert procedure.is_relevant("northshire-police", AgencyType.POLICE)
    assert not procedure.is_relevant("northshire-eh", AgencyType.ENVIRONMENTAL_HEALTH)
    assert not procedure.is_relevant("northshire-adults", AgencyType.ADULT_SAFEGUARDING)


def _problems(text: str, known: dict[str, AgencyType] | None = KNOWN) -> list[str]:
    with pytest.raises(ProcedureInvalid) as refused:
        parse_procedure(text, "p.toml", known)
    return [str(p) for p in refused.value.problems]


def _with(old: str, new: str) -> str:
    text = SHIPPED.read_text()
    assert old in text
    return text.replace(old, new, 1)


def _line_of(text: str, fragment: str, nth: int = 0) -> int:
    return [n for n, line in enumerate(text.splitlines(), 1) if fragment in line][nth]


@pytest.mark.parametrize(
    ("old", "new", "expected", "at"),
    [
        (
            'kind = "complaints"',
            'kind = "complaint"',
            'rules[0].kind: unknown rule kind "complaint" (did you mean "complaints"?)',
            None,
        ),
        (
            'title = "A senior officer',
            'count = 1\ntitle = "A senior officer',
            "rules[3].count: a discretion rule counts nothing: a senior officer decides",
            ("count = 1", 1),
        ),
        (
            'within_months = 6\n\n[[rules]]\nid = "community"',
            'within_months = 12\n\n[[rules]]\nid = "community"',
            "rules[0].within_months: 12 months reaches further back than a complaint may be",
            None,
        ),
        (
            'id = "community"',
            'id = "three-complaints"',
            'rules[1].id: "three-complaints" is the id of an earlier rule',
            ('id = "three-complaints"', 1),
        ),
        (
            'lead = "northshire-csp"',
            'lead = "northshire-eh"',
            'lead: "northshire-eh" is not one of the relevant bodies',
            None,
        ),
        (
            '"northshire-icb",',
            '"northshire-icbb",',
            'relevant_bodies: "northshire-icbb" is not an agency of the partnership (did you '
            'mean "northshire-icb"?)',
            ("relevant_bodies = [", 0),  # a list's problems are on its key's line
        ),
        (
            '"type:landlord",',
            '"type:landlords",',
            'relevant_bodies: unknown agency type "type:landlords" (did you mean "type:landlord"?)',
            ("relevant_bodies = [", 0),
        ),
        (
            "acknowledge = 5",
            "acknowledge = 0",
            "timescales.acknowledge: 0 is not a positive whole number",
            None,
        ),
        (
            "outcome = 5 ",
            "outcomes = 5 ",
            'timescales.outcomes: unknown key "outcomes" (did you mean "outcome"?)',
            None,
        ),
        (
            "within_working_days = 20",
            'within_working_days = "20"',
            "appeal.within_working_days: expected a whole number, found text",
            None,
        ),
        (
            'email = "appeals@northshire-pcc.example"',
            'email = "appeals at northshire-pcc"',
            'appeal.email: "appeals at northshire-pcc" is not an e-mail address',
            None,
        ),
        (
            'phone = "01632 960 700"',
            'phone = "ring the office"',
            'appeal.phone: "ring the office" is not a phone number',
            None,
        ),
        (
            'address = ["Northshire Police Headquarters", "Moor Lane", "Northshire NX2 7PC"]',
            'address = "Northshire Police Headquarters, Moor Lane"',
            "appeal.address: expected a list",
            None,
        ),
        (
            'address = ["Northshire Police Headquarters", "Moor Lane", "Northshire NX2 7PC"]',
            'address = ["Northshire Police Headquarters", " ", "Northshire NX2 7PC"]',
            "appeal.address: has an empty line",
            None,
        ),
        (
            'phone = "01632 960 700"',
            'phon = "01632 960 700"',
            'appeal.phon: unknown key "phon" (did you mean "phone"?)',
            None,
        ),
        (
            "years_after_outcome = 3",
            "years_after_outcome = 0",
            "retention.years_after_outcome: 0 is not a positive whole number",
            None,
        ),
        (
            "years_after_outcome = 3",
            "years_after_outcome = 11",
            "retention.years_after_outcome: 11 is too large",
            None,
        ),
        (
            "years_after_outcome = 3",
            "years = 3",
            'retention.years: unknown key "years"',
            None,
        ),
    ],
)
def test_each_mistake_is_named_with_its_line_and_field(
    old: str, new: str, expected: str, at: tuple[str, int] | None
) -> None:
    text = _with(old, new)
    problems = _problems(text)
    assert any(expected in p for p in problems), problems
    found = next(p for p in problems if expected in p)
    line = int(found.split(":")[1])
    fragment, nth = at or (new.splitlines()[0], 0)
    assert line == _line_of(text, fragment, nth)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # The Act: a complaint qualifies if made within one month of the behaviour, and the
        # application within six months of it.
        (
            "report_within_days = 31",
            "report_within_days = 400",
            "qualifying.report_within_days: 400 is too large",
        ),
        (
            "report_within_days = 31",
            "report_within_days = 10000000000",
            "qualifying.report_within_days: 10000000000 is too large",
        ),
        (
            "apply_within_months = 6",
            "apply_within_months = 12",
            "qualifying.apply_within_months: 12 is too large",
        ),
        (
            "same_incident_hours = 24",
            "same_incident_hours = 1000000000000000",
            "qualifying.same_incident_hours: 1000000000000000 is too large",
        ),
        (
            "same_incident_hours = 24",
            "same_incident_hours = 24\nlatest_incident_within_days = 9999",
            "qualifying.latest_incident_within_days: 9999 is too large",
        ),
        (
            "report_within_days = 31",
            "report_within_days = 7",
            "qualifying.report_within_days: 7 days is shorter than the Act's month",
        ),
        ("count = 5", "count = 100000", "rules[1].count: 100000 is too large"),
        ("threshold_decision = 10", "threshold_decision = 400", "400 is too large"),
        (
            "within_working_days = 20",
            "within_working_days = 10000000",
            "appeal.within_working_days: 10000000 is too large",
        ),
    ],
)
def test_numbers_beyond_the_act_or_the_calendar_are_named_with_their_line_and_field(
    old: str, new: str, expected: str
) -> None:
    text = _with(old, new)
    problems = _problems(text)
    found = next((p for p in problems if expected in p), None)
    assert found is not None, problems
    assert found.startswith("p.toml:")
    assert int(found.split(":")[1]) == _line_of(text, new.splitlines()[-1])


def test_a_procedure_whose_complaints_rules_all_need_more_than_three_is_refused() -> None:
    # s.104(4): three qualifying complaints in the six months meet the threshold.
    text = _with("count = 3\n", "count = 5\n")
    problems = _problems(text)
    found = next((p for p in problems if "three qualifying complaints" in p), None)
    assert found is not None, problems
    assert ":rules[0].count:" in found.replace(" ", "")
    assert int(found.split(":")[1]) == _line_of(text, "count = 5")
    narrow = _with(
        'within_months = 6\n\n[[rules]]\nid = "community"',
        'within_months = 2\n\n[[rules]]\nid = "community"',
    )
    assert any("three qualifying complaints" in p for p in _problems(narrow))
    two_months = narrow.replace("apply_within_months = 6", "apply_within_months = 2")
    two_months = two_months.replace("within_months = 6", "within_months = 2")
    assert any("three qualifying complaints" in p for p in _problems(two_months))
    none = _with('kind = "complaints"', 'kind = "community"')
    assert any("rules: no complaints rule" in p for p in _problems(none))


def test_every_problem_is_found_in_one_pass_and_missing_tables_are_named() -> None:
    text = _with("[timescales]", "[timescale]").replace('kind = "hate"', 'kind = "hates"')
    problems = _problems(text)
    assert any("timescales: missing required table [timescales]" in p for p in problems)
    assert any('timescale: unknown key "timescale"' in p for p in problems)
    assert any('unknown rule kind "hates"' in p for p in problems)


def test_a_file_that_is_not_toml_names_its_line() -> None:
    [problem] = _problems('id = "x"\nthis is not toml\n')
    assert problem.startswith("p.toml:2: not a valid TOML file")


def test_without_the_partnership_agency_codes_are_not_checked_but_types_are() -> None:
    text = _with('"northshire-icb",', '"some-other-icb",')
    assert parse_procedure(text, "p.toml", None).relevant_bodies[2] == "some-other-icb"
    assert any(
        "unknown agency type" in p
        for p in _problems(_with('"type:landlord",', '"type:castle",'), None)
    )


def test_check_file_reports_an_unreadable_file(tmp_path: Path) -> None:
    [problem] = check_file(tmp_path / "missing.toml")
    assert "cannot read the file" in str(problem)


def test_a_procedure_without_retention_keeps_its_applications() -> None:
    text = SHIPPED.read_text()
    text = text[: text.index("[retention]")]
    assert parse_procedure(text, "p.toml", KNOWN).retention is None


def test_an_appeal_body_with_no_way_to_reach_it_is_named_at_its_table() -> None:
    """The letters offering an appeal say to contact the appeal body: a file giving none
    of its address, e-mail or phone is refused at its [appeal] line, saying what to add.
    Any one of them is enough."""
    text = SHIPPED.read_text()
    for key in ("address", "email", "phone"):
        text = "\n".join(line for line in text.splitlines() if not line.startswith(f"{key} ="))
    (problem,) = _problems(text)
    assert problem.startswith(f"p.toml:{_line_of(text, '[appeal]')}: appeal: ")
    assert "no way to reach the appeal body" in problem
    assert "at least one of address (a list of lines), email or phone" in problem
    for key, value in (
        ("address", '["Moor Lane", "Northshire NX2 7PC"]'),
        ("email", '"appeals@northshire-pcc.example"'),
        ("phone", '"01632 960 700"'),
    ):
        one = text.replace("[appeal]\n", f"[appeal]\n{key} = {value}\n")
        procedure = parse_procedure(one, "p.toml", KNOWN)
        assert procedure.appeal.contact_lines()[1:] in (
            ("Moor Lane", "Northshire NX2 7PC"),
            ("E-mail: appeals@northshire-pcc.example",),
            ("Phone: 01632 960 700",),
        )
