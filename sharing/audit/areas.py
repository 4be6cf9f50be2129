"""The areas of the hub the audit log's actions belong to, for the DPO's action filter:
about a hundred actions, each under its area's heading, in words."""

from __future__ import annotations

from sharing.audit.act_kinds import Action

#: The areas in the order the filter offers them, each with the prefixes of the actions'
#: stored values ("case." for "case.view") or whole values it holds.
AREAS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Cases",
        (
            "case.",
            "person.",
            "search",
            "actions.",
            "action.",
            "cases.export",
            "cases.import",
            "lock.",
            "unlock.",
            "alerts.",
            "alert.",
            "risk.",
            "triage.",
            "escalation.",
            "known.",
        ),
    ),
    (
        "Sharing",
        ("share.", "cases.shared", "shared.", "break_glass", "protocol."),
    ),
    (
        "Conferences and meetings",
        ("conference.", "information.", "minutes.", "meeting."),
    ),
    ("Community Trigger", ("trigger.",)),
    ("Figures", ("figures.", "trigger.figures")),
    (
        "Accounts and administration",
        ("account.", "agency.", "area.", "sessions.", "api_client.", "api.", "hub.", "page."),
    ),
    ("Sign-in", ("sign_in", "sign_out", "password.", "second_factor.", "password_link.")),
    ("Audit and keys", ("audit.", "keys.", "subject_access.")),
)


def area_of(action: Action) -> str:
    """The area an action belongs to: the one whose longest prefix it begins with (so
    "trigger.figures" is a figure, not the Community Trigger's other acts)."""
    best = max(
        (
            (len(prefix), name)
            for name, prefixes in AREAS
            for prefix in prefixes
            if action.value == prefix or action.value.startswith(prefix)
        ),
        default=None,
    )
    if best is None:
        raise KeyError(f"no area holds the action {action.value!r}")
    return best[1]


def by_area() -> list[tuple[str, list[Action]]]:
    """Every action under its area, areas in order, actions by their words."""
    grouped: dict[str, list[Action]] = {name: [] for name, _ in AREAS}
    for action in Action:
        grouped[area_of(action)].append(action)
    return [(name, sorted(actions, key=lambda a: a.label)) for name, actions in grouped.items()]


by_area()  # an action no area holds fails at start-up, not in the DPO's page
