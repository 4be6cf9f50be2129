"""The fixed lists a protocol file is checked against: lawful bases, Schedule 1
conditions, handling markings, data categories and the roles that may receive data.

Each list maps the value written in a file to the words a reader sees.
"""

from __future__ import annotations

from collections.abc import Mapping

from sharing.vocabulary import Role

#: Special category data (UK GDPR Article 9): needs an Article 9 condition.
SPECIAL_CATEGORY = "vulnerability"
#: Criminal offence data (UK GDPR Article 10): needs an Article 10 condition.
CRIMINAL_OFFENCE = "offending"

#: The purpose every break-glass (emergency) clause serves, and no other clause.
EMERGENCY_PURPOSE = "emergency"

#: Handling markings (Government Security Classifications).
HANDLING: tuple[str, ...] = ("OFFICIAL", "OFFICIAL-SENSITIVE")

#: UK GDPR Article 6(1) lawful bases.
ARTICLE6: Mapping[str, str] = {
    "consent": "Article 6(1)(a): consent",
    "contract": "Article 6(1)(b): contract",
    "legal_obligation": "Article 6(1)(c): legal obligation",
    "vital_interests": "Article 6(1)(d): vital interests",
    "public_task": "Article 6(1)(e): public task",
    "legitimate_interests": "Article 6(1)(f): legitimate interests",
}

#: UK GDPR Article 9(2) conditions for special category data.
ARTICLE9: Mapping[str, str] = {
    "explicit_consent": "Article 9(2)(a): explicit consent",
    "employment": "Article 9(2)(b): employment, social security and social protection",
    "vital_interests": "Article 9(2)(c): vital interests",
    "not_for_profit": "Article 9(2)(d): not-for-profit bodies",
    "made_public": "Article 9(2)(e): made public by the data subject",
    "legal_claims": "Article 9(2)(f): legal claims or judicial acts",
    "substantial_public_interest": "Article 9(2)(g): reasons of substantial public interest",
    "health_or_social_care": "Article 9(2)(h): health or social care",
    "public_health": "Article 9(2)(i): public health",
    "archiving": "Article 9(2)(j): archiving, research and statistics",
}

#: Article 10 conditions for criminal offence data.
ARTICLE10: Mapping[str, str] = {
    "official_authority": "Article 10: under the control of official authority",
    "authorised_by_law": (
        "Article 10 and DPA 2018 s.10(5): authorised by law, "
        "meeting a Schedule 1 condition in Part 1, 2 or 3"
    ),
}

#: DPA 2018 Schedule 1 conditions: paragraph number → (Part, heading).
SCHEDULE1: Mapping[str, tuple[int, str]] = {
    "1": (1, "employment, social security and social protection"),
    "2": (1, "health or social care purposes"),
    "3": (1, "public health"),
    "4": (1, "research etc"),
    "6": (2, "statutory and government purposes"),
    "7": (2, "administration of justice and parliamentary purposes"),
    "8": (2, "equality of opportunity or treatment"),
    "9": (2, "racial and ethnic diversity at senior levels of organisations"),
    "10": (2, "preventing or detecting unlawful acts"),
    "11": (2, "protecting the public against dishonesty etc"),
    "12": (2, "regulatory requirements relating to unlawful acts and dishonesty etc"),
    "13": (2, "journalism etc in connection with unlawful acts and dishonesty etc"),
    "14": (2, "preventing fraud"),
    "15": (2, "suspicion of terrorist financing or money laundering"),
    "16": (2, "support for individuals with a particular disability or medical condition"),
    "17": (2, "counselling etc"),
    "18": (2, "safeguarding of children and individuals at risk"),
    "19": (2, "safeguarding of economic well-being of certain individuals"),
    "20": (2, "insurance"),
    "21": (2, "occupational pensions"),
    "22": (2, "political parties"),
    "23": (2, "elected representatives responding to requests"),
    "24": (2, "disclosure to elected representatives"),
    "25": (2, "informing elected representatives about prisoners"),
    "26": (2, "publication of legal judgments"),
    "27": (2, "anti-doping in sport"),
    "28": (2, "standards of behaviour in sport"),
    "29": (3, "consent"),
    "30": (3, "protecting individual's vital interests"),
    "31": (3, "processing by not-for-profit bodies"),
    "32": (3, "personal data in the public domain"),
    "33": (3, "legal claims"),
    "34": (3, "judicial acts"),
    "35": (
        3,
        "administration of accounts used in commission of indecency offences involving children",
    ),
    "36": (3, "extension of conditions in Part 2 referring to substantial public interest"),
    "37": (3, "extension of insurance conditions"),
}

#: Article 9 conditions that DPA 2018 s.10(2)-(3) completes with a Schedule 1 condition:
#: condition → the paragraphs, one of which the purpose must name.
ARTICLE9_NEEDS_SCHEDULE1: Mapping[str, frozenset[str]] = {
    "employment": frozenset({"1"}),
    "health_or_social_care": frozenset({"2"}),
    "public_health": frozenset({"3"}),
    "archiving": frozenset({"4"}),
    "substantial_public_interest": frozenset(p for p, (part, _) in SCHEDULE1.items() if part == 2),
}

#: Article 10 conditions that need a Schedule 1 condition (Part 1, 2 or 3).
ARTICLE10_NEEDS_SCHEDULE1: Mapping[str, frozenset[str]] = {
    "authorised_by_law": frozenset(SCHEDULE1),
}

#: Roles that may never receive case data through a protocol, and why (DESIGN.md §2).
ROLES_WITHOUT_CASE_DATA: Mapping[Role, str] = {
    Role.ADMINISTRATOR: "administrators have no case content (separation of duties)",
    Role.ANALYST: "analysts see aggregate figures only, never a named record",
    Role.DPO: (
        "a data protection officer sees case content only when compiling a subject access "
        "report, which is not a sharing purpose"
    ),
}

#: Roles a clause may give data to.
RECIPIENT_ROLES: tuple[Role, ...] = tuple(r for r in Role if r not in ROLES_WITHOUT_CASE_DATA)


def paragraph_list(paragraphs: frozenset[str] | Mapping[str, object]) -> str:
    """Paragraph numbers in numeric order, comma-separated."""
    return ", ".join(sorted(paragraphs, key=int))
