"""Property tests: any protocol built from valid parts parses back to itself, and no input
makes the checker fail with anything but a list of problems."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from sharing.protocols import (
    CATEGORIES,
    EMERGENCY_PURPOSE,
    Clause,
    Party,
    ProtocolDocument,
    Purpose,
    check_text,
    parse_protocol,
    render_protocol,
)
from sharing.protocols.checker import MAX_VERSION
from sharing.protocols.lawful import (
    ARTICLE6,
    ARTICLE9,
    ARTICLE9_NEEDS_SCHEDULE1,
    ARTICLE10,
    ARTICLE10_NEEDS_SCHEDULE1,
    HANDLING,
    RECIPIENT_ROLES,
    SCHEDULE1,
)
from sharing.vocabulary import AgencyType, Priority, Role
from tests.sharing.protocols.samples import DEMO_AGENCIES, VALID

SOURCE = "generated.toml"
_PRIORITY = {p.value: p for p in Priority}

texts = st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=60).filter(
    lambda s: s.strip() != ""
)
slugs = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,3}", fullmatch=True)
purpose_ids = st.from_regex(r"[a-z][a-z0-9]{0,8}(_[a-z0-9]{1,8}){0,2}", fullmatch=True).filter(
    lambda s: s != EMERGENCY_PURPOSE
)


def _subset(values: list[str] | tuple[str, ...]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), min_size=1, unique=True)


@st.composite
def parties(draw: st.DrawFn) -> list[Party]:
    """Agency-type parties and agency parties whose type is not already a party."""
    types = draw(st.lists(st.sampled_from(list(AgencyType)), unique=True, max_size=4))
    codes = [c for c, t in DEMO_AGENCIES.items() if t not in types]
    agencies = draw(st.lists(st.sampled_from(codes), unique=True, max_size=4)) if codes else []
    roles = st.sampled_from(list(Role))
    found = [Party(None, t, draw(roles)) for t in types]
    found += [Party(code, None, draw(roles)) for code in agencies]
    if not found:
        found = [Party("northshire-police", None, draw(roles))]
    return draw(st.permutations(found))


@st.composite
def purposes(draw: st.DrawFn, purpose_id: str) -> Purpose:
    """A purpose whose Article 9 and 10 conditions have the Schedule 1 conditions they need."""
    emergency = purpose_id == EMERGENCY_PURPOSE
    article9 = draw(st.none() | st.sampled_from(list(ARTICLE9)))
    article10 = None if emergency else draw(st.none() | st.sampled_from(list(ARTICLE10)))
    schedule1: set[str] = set()
    for condition, needs in (
        (article9, ARTICLE9_NEEDS_SCHEDULE1),
        (article10, ARTICLE10_NEEDS_SCHEDULE1),
    ):
        if condition is not None and condition in needs:
            schedule1.add(draw(st.sampled_from(sorted(needs[condition]))))
    if article9 or article10:
        schedule1 |= set(draw(st.lists(st.sampled_from(sorted(SCHEDULE1)), max_size=3)))
    return Purpose(
        id=purpose_id,
        title=draw(texts),
        article6=draw(st.sampled_from(list(ARTICLE6))),
        article9=article9,
        schedule1=tuple(draw(st.permutations(sorted(schedule1)))),
        article10=article10,
        statutory_power=draw(st.none() | texts),
    )


@st.composite
def clauses(draw: st.DrawFn, clause_id: str, purpose: Purpose, selectors: list[str]) -> Clause:
    """A clause giving only the categories the purpose's lawful basis allows."""
    allowed = [
        c
        for c in CATEGORIES
        if (c != "vulnerability" or purpose.article9) and (c != "offending" or purpose.article10)
    ]
    emergency = purpose.id == EMERGENCY_PURPOSE
    priorities = draw(st.none() | _subset([p.value for p in Priority]))
    return Clause(
        id=clause_id,
        purpose=purpose.id,
        recipients=tuple(draw(_subset(selectors))),
        roles=frozenset(draw(st.lists(st.sampled_from(RECIPIENT_ROLES), min_size=1))),
        categories=frozenset(draw(_subset(allowed))),
        requires_share=False if emergency else draw(st.booleans()),
        priorities=None if priorities is None else frozenset(_PRIORITY[p] for p in priorities),
        emergency=emergency,
    )


@st.composite
def documents(draw: st.DrawFn) -> ProtocolDocument:
    """A valid protocol document from random valid parts."""
    the_parties = draw(parties())
    selectors = [p.selector for p in the_parties]
    ids = draw(st.lists(purpose_ids, min_size=1, max_size=3, unique=True))
    if draw(st.booleans()):
        ids.append(EMERGENCY_PURPOSE)
    the_purposes = [draw(purposes(i)) for i in ids]
    numbers = draw(
        st.lists(
            st.tuples(st.integers(1, 20), st.integers(1, 9)), min_size=1, max_size=6, unique=True
        )
    )
    the_clauses = [
        draw(clauses(f"{major}.{minor}", draw(st.sampled_from(the_purposes)), selectors))
        for major, minor in numbers
    ]
    start = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)))
    end = start + timedelta(days=draw(st.integers(1, 3650)))
    review = start + timedelta(days=draw(st.integers(1, (end - start).days)))
    return ProtocolDocument(
        id=draw(slugs),
        title=draw(texts),
        version=draw(st.integers(1, MAX_VERSION)),
        handling=draw(st.sampled_from(HANDLING)),
        start=start,
        end=end,
        review=review,
        retention=draw(texts),
        parties=tuple(the_parties),
        purposes=tuple(the_purposes),
        clauses=tuple(the_clauses),
        source=SOURCE,
    )


@given(documents())
def test_any_valid_protocol_parses_back_to_itself(document: ProtocolDocument) -> None:
    text = render_protocol(document)
    parsed = parse_protocol(text, SOURCE, DEMO_AGENCIES)
    assert parsed == document
    for before, after in zip(document.clauses, parsed.clauses, strict=True):
        assert after.roles == before.roles
        assert after.categories == before.categories
    assert render_protocol(parsed) == text


@given(st.text(max_size=400))
def test_any_text_gives_problems_or_a_protocol_never_a_crash(text: str) -> None:
    problems = check_text(text, SOURCE, DEMO_AGENCIES)
    assert all(p.source == SOURCE and p.message for p in problems)


_LITERALS = [
    "1",
    "-3",
    "1.5",
    "true",
    '"x"',
    '""',
    "2026-01-01",
    "2026-01-01T09:00:00",
    "09:00:00",
    "[]",
    '["a", 1]',
    '["identity"]',
    "[[1]]",
    "{ a = 1 }",
]


@given(st.data())
def test_any_value_in_any_place_gives_problems_never_a_crash(data: st.DataObject) -> None:
    lines = VALID.splitlines()
    keyed = [i for i, line in enumerate(lines) if " = " in line]
    for index in data.draw(st.lists(st.sampled_from(keyed), min_size=1, max_size=4, unique=True)):
        key = lines[index].split(" = ", 1)[0]
        lines[index] = f"{key} = {data.draw(st.sampled_from(_LITERALS))}"
    problems = check_text("\n".join(lines), SOURCE, DEMO_AGENCIES)
    assert all(p.field and p.line for p in problems if "TOML" not in p.message)
