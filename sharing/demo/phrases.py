"""What officers write: case summaries and incident descriptions, by category.

Descriptions are composed from a behaviour, a time and (sometimes) an effect, so that
incidents on the same case read differently.
"""

from __future__ import annotations

import random

from sharing.vocabulary import CaseCategory, ProtectedCharacteristic

C = CaseCategory
PC = ProtectedCharacteristic

SUMMARIES: dict[CaseCategory, tuple[str, ...]] = {
    C.NOISE: (
        "Loud music and shouting from the flat above, most nights after 11pm.",
        "Repeated parties at the neighbouring house with music until the early hours.",
        "Banging, slamming doors and dogs barking through the shared wall.",
        "Amplified music from a car parked outside, several evenings a week.",
    ),
    C.VERBAL_ABUSE: (
        "Neighbour shouts abuse and threats at the resident whenever they leave the house.",
        "Group of young people intimidating residents at the entrance to the block.",
        "Ongoing harassment of the resident and their children by a neighbour.",
        "Threatening messages and abuse in the street after a parking dispute.",
    ),
    C.PHYSICAL_VIOLENCE: (
        "Resident assaulted on the landing by a neighbour; injuries to the face.",
        "Fight between neighbours in the communal garden; one taken to hospital.",
        "Resident pushed and spat at by a group outside the shops.",
    ),
    C.DRUGS: (
        "Suspected drug dealing from the flat: heavy footfall day and night.",
        "Cannabis smell through the shared ventilation; visitors at all hours.",
        "Needles and drug paraphernalia left in the stairwell of the block.",
    ),
    C.ALCOHOL: (
        "Street drinking on the green; residents feel intimidated walking past.",
        "Drunken arguments and shouting from the flat most weekends.",
        "Group drinking in the car park at night, leaving bottles and urinating.",
    ),
    C.DAMAGE: (
        "Repeated damage to the resident's car and front door.",
        "Windows of the block broken and the door entry system vandalised.",
        "Graffiti sprayed on walls and fences along the street.",
    ),
    C.LITTER: (
        "Fly-tipping of household waste and furniture behind the garages.",
        "Rubbish bags thrown from a balcony into the communal garden.",
        "Garden of the property full of waste attracting rats.",
    ),
    C.VEHICLES: (
        "Motorbikes and quad bikes ridden across the playing field and pavements.",
        "Abandoned car with no plates left in the residents' car park.",
        "Car repairs carried out in the street as a business; oil and parts left behind.",
    ),
    C.ANIMALS: (
        "Dog left barking for hours while the owner is out.",
        "Aggressive dog off the lead in the communal area; residents afraid to go out.",
        "Dog fouling in the shared garden not cleared up.",
    ),
    C.COMMUNAL_AREAS: (
        "Young people gathering in the stairwell, smoking and leaving litter.",
        "Bikes and rubbish blocking the fire escape of the block.",
        "Rough sleeping and misuse of the bin store.",
    ),
    C.NEIGHBOUR_DISPUTE: (
        "Long-running dispute over a boundary fence and parking spaces.",
        "Neighbours making counter-allegations about noise and children's behaviour.",
        "Dispute over the shared garden escalating to verbal abuse.",
    ),
    C.CRIMINAL: (
        "Suspected cuckooing of a vulnerable tenant's flat.",
        "Theft from the residents' bin store and from cars in the car park.",
        "Resident reports threats with a knife from a visitor to the next flat.",
    ),
    C.SMOKE_ODOUR: (
        "Bonfires in the back garden; smoke entering neighbours' homes.",
        "Strong smell from a commercial kitchen extract at the back of the parade.",
        "Burning of waste on the allotment most weekends; ash on washing and cars.",
    ),
    C.OTHER: (
        "Persistent nuisance from a neighbour filming residents over the fence.",
        "Floodlight from the neighbouring yard shining into bedrooms all night.",
    ),
}

HATE_SUMMARIES: dict[ProtectedCharacteristic, tuple[str, ...]] = {
    PC.RACE: (
        "Racist abuse shouted at the family by a neighbour; children now afraid to play out.",
        "Racist graffiti on the resident's front door and car.",
    ),
    PC.RELIGION: ("Abuse aimed at the resident's faith; headscarf pulled in the street.",),
    PC.SEXUAL_ORIENTATION: ("Homophobic abuse and notes pushed through the couple's door.",),
    PC.DISABILITY: (
        "Resident with a learning disability mocked, followed and filmed by local youths.",
    ),
    PC.GENDER_REASSIGNMENT: ("Transphobic abuse in the street and on social media.",),
}

HATE_MIX: tuple[tuple[ProtectedCharacteristic, int], ...] = (
    (PC.RACE, 45),
    (PC.RELIGION, 15),
    (PC.SEXUAL_ORIENTATION, 15),
    (PC.DISABILITY, 17),
    (PC.GENDER_REASSIGNMENT, 8),
)

BEHAVIOURS: dict[CaseCategory, tuple[str, ...]] = {
    C.NOISE: (
        "loud music from the flat",
        "shouting and banging through the wall",
        "a party with music and people in the garden",
        "doors slammed repeatedly and furniture dragged",
    ),
    C.VERBAL_ABUSE: (
        "the reported person shouted abuse at the victim",
        "threats made to the victim on the doorstep",
        "the victim was followed to the bus stop and sworn at",
        "abusive messages were received from the neighbour",
    ),
    C.PHYSICAL_VIOLENCE: (
        "the victim was pushed over on the landing",
        "a fight broke out outside the block",
        "the victim was punched when challenging the group",
    ),
    C.DRUGS: (
        "a steady stream of visitors to the flat",
        "a strong smell of cannabis on the stairs",
        "what looked like a drug deal at the entrance",
        "needles found in the bin store",
    ),
    C.ALCOHOL: (
        "a group drinking on the green and shouting at passers-by",
        "drunken argument in the street",
        "bottles smashed on the pavement",
    ),
    C.DAMAGE: (
        "the car windscreen was smashed",
        "eggs thrown at the windows",
        "the door entry panel was damaged",
        "fresh graffiti on the fence",
    ),
    C.LITTER: (
        "a mattress and bags of rubbish dumped",
        "rubbish thrown from the balcony",
        "waste left by the bins for over a week",
    ),
    C.VEHICLES: (
        "motorbikes ridden on the pavement",
        "a car revving and doing wheel spins in the car park",
        "a van blocking the access road all day",
    ),
    C.ANIMALS: (
        "the dog barked continuously",
        "the dog ran at children in the communal area",
        "dog mess left outside the front door",
    ),
    C.COMMUNAL_AREAS: (
        "young people smoking and shouting in the stairwell",
        "the fire door propped open and the lobby used as a hangout",
        "bikes and bags blocking the corridor",
    ),
    C.NEIGHBOUR_DISPUTE: (
        "an argument over the fence escalated",
        "both neighbours called each other's families names",
        "the neighbour parked across the victim's drive",
    ),
    C.CRIMINAL: (
        "strangers staying at the flat and the tenant seems frightened",
        "items taken from the bin store",
        "a visitor threatened the victim with a knife",
    ),
    C.SMOKE_ODOUR: (
        "a bonfire sent smoke into the victim's home",
        "smoke and ash from burning rubbish blew across the gardens",
        "a strong smell of cooking fumes came in through the windows",
    ),
    C.OTHER: (
        "the neighbour filmed the victim's garden over the fence",
        "a security light shone into the victim's bedroom all night",
    ),
}

HATE_BEHAVIOURS: dict[ProtectedCharacteristic, tuple[str, ...]] = {
    PC.RACE: ("racist names were shouted at the victim", "racist graffiti appeared on the door"),
    PC.RELIGION: ("the victim was abused about their faith",),
    PC.SEXUAL_ORIENTATION: ("homophobic abuse was shouted at the couple",),
    PC.DISABILITY: ("youths mocked the victim and filmed them on a phone",),
    PC.GENDER_REASSIGNMENT: ("the victim was misgendered and abused in the street",),
}

#: How people say when something happened, by the hour it started at.
TIMES: tuple[tuple[int, str], ...] = (
    (5, "In the early hours"),
    (12, "In the morning"),
    (17, "In the afternoon"),
    (21, "In the evening"),
    (24, "Late at night"),
)

EFFECTS: tuple[str, ...] = (
    "The victim could not sleep.",
    "The children were frightened.",
    "The victim says they no longer feel safe at home.",
    "A neighbour witnessed it.",
    "Recorded on the victim's phone.",
    "The victim has kept a diary sheet.",
    "",
    "",
)

PLACES: tuple[str, ...] = (
    "Outside the victim's front door",
    "In the stairwell",
    "On the street outside",
    "In the communal garden",
    "In the car park",
    "Heard through the shared wall",
    "At the entrance to the block",
    "",
)


def summary(
    rng: random.Random, category: CaseCategory, hate: ProtectedCharacteristic | None
) -> str:
    if hate is not None:
        return rng.choice(HATE_SUMMARIES[hate])
    return rng.choice(SUMMARIES[category])


def incident_description(
    rng: random.Random, category: CaseCategory, hate: ProtectedCharacteristic | None, hour: int
) -> str:
    """What happened, starting with when (``hour`` of the day, 0 to 23)."""
    behaviour = rng.choice(HATE_BEHAVIOURS[hate] if hate is not None else BEHAVIOURS[category])
    when = next(words for before, words in TIMES if hour < before)
    text = f"{when}, {behaviour}."
    effect = rng.choice(EFFECTS)
    return f"{text} {effect}" if effect else text
