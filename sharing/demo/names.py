"""Invented residents of Northshire: names, dates of birth and contact details.

Names are drawn independently from two lists, so any resemblance of a combination to a
real person is chance. Phone numbers are in the range Ofcom keeps for drama
(07700 900000 to 07700 900999); e-mail domains use the reserved ``.example`` domain.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

GIVEN_NAMES: tuple[str, ...] = (
    "Abdul", "Adele", "Agnieszka", "Alan", "Amara", "Amir", "Ann", "Barry", "Bernadette",
    "Bilal", "Brenda", "Callum", "Carol", "Chantelle", "Craig", "Darren", "Dawn", "Deepa",
    "Denise", "Dominic", "Ebony", "Elaine", "Emeka", "Fatima", "Gareth", "Gemma", "Gordon",
    "Hannah", "Harjit", "Ian", "Jamal", "Janet", "Jason", "Joyce", "Kayleigh", "Keith",
    "Kerry", "Kofi", "Lauren", "Leanne", "Liam", "Linda", "Lorraine", "Marcin", "Margaret",
    "Maureen", "Mohammed", "Nadia", "Neil", "Nicola", "Olu", "Pamela", "Patrick", "Pauline",
    "Precious", "Rajesh", "Reece", "Rhiannon", "Ryan", "Samira", "Sandra", "Sean", "Shane",
    "Sharon", "Sinead", "Sunita", "Tariq", "Tracey", "Tyler", "Valerie", "Wayne", "Wiktoria",
    "Yusuf", "Zara",
)  # fmt: skip

FAMILY_NAMES: tuple[str, ...] = (
    "Abbott", "Adebayo", "Ahmed", "Ainsworth", "Akhtar", "Appleyard", "Atherton", "Baptiste",
    "Barlow", "Begum", "Birtwistle", "Blackett", "Bowker", "Brierley", "Campbell", "Cartwright",
    "Chowdhury", "Clegg", "Costello", "Crabtree", "Dacosta", "Dempsey", "Dobson", "Duckworth",
    "Entwistle", "Farrow", "Fensome", "Fletcher", "Gallagher", "Garside", "Greenhalgh",
    "Haworth", "Hussain", "Ibbotson", "Iqbal", "Jagger", "Kaur", "Kowalczyk", "Lambert",
    "Latham", "Lockwood", "Mahmood", "Marsden", "McAllister", "McGuinness", "Mensah",
    "Nowak", "Nuttall", "Obi", "O'Rourke", "Osei", "Parkin", "Patel", "Pickersgill",
    "Quigley", "Ramsbottom", "Rashid", "Riley", "Rowbotham", "Sanderson", "Shackleton",
    "Sharples", "Singh", "Sutcliffe", "Szymanski", "Thistlethwaite", "Thornber", "Varley",
    "Walsh", "Wardle", "Whiteley", "Wilkinson", "Wozniak", "Yates",
)  # fmt: skip

EMAIL_DOMAINS: tuple[str, ...] = ("inbox.example", "mailpost.example", "webmail.example")


@dataclass(frozen=True)
class Resident:
    """A person's identity and contact details, as a resident would give them."""

    given_names: str
    family_name: str
    date_of_birth: date
    phone: str
    email: str

    def age_on(self, day: date) -> int:
        """Their age in whole years on ``day``."""
        return age_on(self.date_of_birth, day)


def age_on(born: date, day: date) -> int:
    """The age in whole years on ``day`` of someone born on ``born``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class ResidentMaker:
    """Makes residents from ``rng``, never the same name and date of birth twice."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self._rng = rng
        self._today = today
        self._seen: set[tuple[str, str, date]] = set()

    def make(self, min_age: int, max_age: int, *, email_chance: float = 0.5) -> Resident:
        rng = self._rng
        while True:
            given = rng.choice(GIVEN_NAMES)
            family = rng.choice(FAMILY_NAMES)
            born = self._birthday(min_age, max_age)
            if (given, family, born) not in self._seen:
                break
        self._seen.add((given, family, born))
        email = ""
        if rng.random() < email_chance:
            local = f"{given}.{family}".lower().replace("'", "")
            email = f"{local}{rng.randint(1, 99)}@{rng.choice(EMAIL_DOMAINS)}"
        return Resident(given, family, born, self.phone(), email)

    def phone(self) -> str:
        """A mobile number from Ofcom's drama range."""
        return f"07700 900{self._rng.randint(0, 999):03d}"

    def _birthday(self, min_age: int, max_age: int) -> date:
        age_days = self._rng.randint(min_age * 365 + 1, max_age * 365 + 300)
        return self._today - timedelta(days=age_days)
