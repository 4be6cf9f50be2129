"""Invented streets and addresses of Northshire.

Each ward has its own streets and postcode district: ward *n* (counting from 1, in the
order of ``WARD_NAMES``) is district ``NX<n>``. ``NX`` is not a real postcode area, but
the postcodes have the valid format. An address's postcode and UPRN follow from the
address itself, so the same home always has the same postcode and UPRN.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sharing.demo.partnership import WARD_NAMES

STREET_STEMS: tuple[str, ...] = (
    "Alder", "Badger", "Beck", "Bishop's", "Bramble", "Carr", "Chapel", "Cinder", "Clough",
    "Coldwell", "Cooper", "Dale", "Dyer", "Elm", "Ferrier", "Flax", "Foundry", "Gannow",
    "Gorse", "Hazel", "Heron", "Hollin", "Ivy", "Kiln", "Lapwing", "Lark", "Loom", "Malt",
    "Marl", "Meadow", "Mill", "Moss", "Nether", "Orchard", "Osier", "Pinfold", "Quarry",
    "Rook", "Rope", "Rowan", "Sandpiper", "School", "Sedge", "Shuttle", "Spinner", "Tanner's",
    "Teasel", "Tern", "Thrush", "Tithe", "Vicarage", "Wagtail", "Warren", "Weaver", "Wharf",
    "Willow", "Wren", "Yarrow", "Yew", "Yarn",
)  # fmt: skip
STREET_KINDS: tuple[str, ...] = ("Road", "Street", "Close", "Lane", "Avenue", "Way")
BLOCK_NAMES: tuple[str, ...] = ("Court", "House", "Heights", "Lodge")
STREETS_PER_WARD = 6
#: Letters used in the inward part of a postcode (never C, I, K, M, O or V).
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
PUBLIC_PLACES: tuple[str, ...] = (
    "Garages behind {street}",
    "Car park off {street}",
    "Alleyway between {street} and the shops",
    "Play area on {street}",
    "Bus shelter on {street}",
)


@dataclass(frozen=True)
class Address:
    """Where a home (or a public place) is."""

    ward_index: int
    #: Address lines, newline separated, without the postcode.
    lines: str
    postcode: str
    #: Unique Property Reference Number; empty for a public place.
    uprn: str
    street: str


def street_name(ward_index: int, street_index: int) -> str:
    stem = STREET_STEMS[(ward_index * STREETS_PER_WARD + street_index) % len(STREET_STEMS)]
    kind = STREET_KINDS[(ward_index + street_index) % len(STREET_KINDS)]
    return f"{stem} {kind}"


def postcode(ward_index: int, street_index: int, number: int) -> str:
    sector = street_index % 9 + 1
    first = INWARD_LETTERS[(number // 12 + street_index) % len(INWARD_LETTERS)]
    second = INWARD_LETTERS[(ward_index * 7 + street_index * 3) % len(INWARD_LETTERS)]
    return f"NX{ward_index + 1} {sector}{first}{second}"


def uprn(ward_index: int, street_index: int, number: int, flat: int) -> str:
    return str(
        99_000_000_000 + ward_index * 10_000_000 + street_index * 100_000 + number * 100 + flat
    )


def home(rng: random.Random, ward_index: int | None = None, *, flat_chance: float = 0.4) -> Address:
    """A home in ``ward_index`` (a random ward when None), a flat or a house."""
    ward = rng.randrange(len(WARD_NAMES)) if ward_index is None else ward_index
    street_index = rng.randrange(STREETS_PER_WARD)
    return _home(rng, ward, street_index, flat_chance)


def neighbour(rng: random.Random, address: Address) -> Address:
    """A home on the same street as ``address`` (the usual place of a reported person)."""
    street_index = _street_index(address)
    return _home(rng, address.ward_index, street_index, flat_chance=0.4)


def public_place(rng: random.Random, ward_index: int | None = None) -> Address:
    """A public place in ``ward_index`` (a random ward when None): no UPRN."""
    if ward_index is None:
        ward_index = rng.randrange(len(WARD_NAMES))
    street_index = rng.randrange(STREETS_PER_WARD)
    street = street_name(ward_index, street_index)
    line = rng.choice(PUBLIC_PLACES).format(street=street)
    return Address(
        ward_index=ward_index,
        lines=f"{line}\n{WARD_NAMES[ward_index]}",
        postcode=postcode(ward_index, street_index, rng.randint(1, 120)),
        uprn="",
        street=street,
    )


def _home(rng: random.Random, ward: int, street_index: int, flat_chance: float) -> Address:
    street = street_name(ward, street_index)
    number = rng.randint(1, 140)
    locality = WARD_NAMES[ward]
    if rng.random() < flat_chance:
        flat = rng.randint(1, 24)
        block = f"{street.split()[0]} {BLOCK_NAMES[number % len(BLOCK_NAMES)]}"
        lines = f"Flat {flat}, {block}\n{number} {street}\n{locality}"
    else:
        flat = 0
        lines = f"{number} {street}\n{locality}"
    return Address(
        ward_index=ward,
        lines=lines,
        postcode=postcode(ward, street_index, number),
        uprn=uprn(ward, street_index, number, flat),
        street=street,
    )


def _street_index(address: Address) -> int:
    for index in range(STREETS_PER_WARD):
        if street_name(address.ward_index, index) == address.street:
            return index
    raise ValueError(f"{address.street} is not a street of ward {address.ward_index}")
