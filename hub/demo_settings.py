"""The settings a real partnership must not leave as the demo's: the files in ``config/``
that describe the fictional Northshire partnership (its Community Trigger procedure, its
letters' contacts, its landlords' homes, its privacy notice and accessibility statement,
its wards) and the phone number the public is
given, which rings nowhere; and the example settings' address for the hub, at a domain
reserved for examples (RFC 2606). Production refuses to start with any of them."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"

#: Each setting naming a Northshire file: what the file is, and the command checking one.
DEMO_FILES: dict[str, tuple[str, Path, str]] = {
    "trigger_procedure": (
        "Community Trigger procedure",
        CONFIG_DIR / "northshire-community-trigger.toml",
        "hub trigger check",
    ),
    "letters": (
        "standard letters, with its agencies' contacts",
        CONFIG_DIR / "letters.toml",
        "hub letters check",
    ),
    "housing_stock": (
        "landlords' housing stock",
        CONFIG_DIR / "housing-stock.toml",
        "hub stock check",
    ),
    "statements": (
        "privacy notice and accessibility statement (its controller, officers and contacts)",
        CONFIG_DIR / "northshire-statements.toml",
        "hub statements check",
    ),
    "ward_boundaries": (
        "ward boundaries",
        CONFIG_DIR / "ward-boundaries.geojson",
        "hub wards check",
    ),
}
#: The public's number for the Community Trigger in the demo: Ofcom's range for drama.
DEMO_TRIGGER_PHONE = "01632960250"


def demo_setting_left(files: dict[str, Path], trigger_phone: str) -> str | None:
    """Which setting is still the demo's, and what to do, in one line; None when none is."""
    for setting, (what, demo, check) in DEMO_FILES.items():
        if files[setting].resolve() == demo:
            return (
                f"{setting} is still the demo partnership's {what} ({demo.name}, Northshire's): "
                f"write your partnership's own, check it with `{check} FILE` and set {setting}"
            )
    if "".join(c for c in trigger_phone if c.isdigit()) == DEMO_TRIGGER_PHONE:
        return (
            "trigger_phone is still the demo's 01632 960 250, which rings nowhere: set the "
            "number the public may apply for a Community Trigger on"
        )
    return None


#: Domains reserved for examples (RFC 2606): nobody can be reached at one.
EXAMPLE_DOMAINS = ("example", "example.com", "example.org", "example.net")


def example_address_left(base_url: str) -> str | None:
    """The address the hub's notices link to, in one line, when it is still at an example
    domain. (The audit log's name is not refused so: it is set once and never changed, and
    a hub already running under the example's would have no way to start.)"""
    if _is_example(urlsplit(base_url).hostname or ""):
        return (
            f"base_url {base_url} is at a domain reserved for examples, so the links in "
            "notices would lead nowhere: set the hub's own https:// address"
        )
    return None


def _is_example(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith(f".{d}") for d in EXAMPLE_DOMAINS)
