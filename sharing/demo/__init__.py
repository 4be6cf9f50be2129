"""A fictional partnership to try the hub with: the Northshire demo.

``build_demo`` writes one area, its agencies and staff, and a year of casework into an
empty database, the same every time for the same seed and day. ``DEMO_ACCOUNTS`` lists
the sign-ins (all with ``DEMO_PASSWORD``); ``accounts_markdown`` renders them for the
README. Every name, address, phone number and e-mail address in it is invented.
"""

from sharing.demo.build import DemoError, DemoSummary, build_demo, demo_password_hash
from sharing.demo.partnership import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    DEMO_SEED,
    DemoAccount,
    accounts_markdown,
    demo_accounts,
)

__all__ = [
    "DEMO_ACCOUNTS",
    "DEMO_PASSWORD",
    "DEMO_SEED",
    "DemoAccount",
    "DemoError",
    "DemoSummary",
    "accounts_markdown",
    "build_demo",
    "demo_accounts",
    "demo_password_hash",
]
