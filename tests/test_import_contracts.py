"""The architecture's import rules, read from the source as an import linter would:

- plaintext has one way out: only ``sharing.access.reveal`` (and the crypto package
  itself) imports the sealing functions that decrypt, and ``hub/`` imports none of them;
- the core never imports the web application.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).parents[1]
SEALING = "sharing.crypto.sealing"
#: The sealing functions that turn a sealed value into plaintext.
DECRYPTING = frozenset(
    {
        "unseal",
        "unseal_many",
        "unseal_records",
        "RowOpener",
        "_unseal_record",
        "_opening_cipher",
        "open_file",
    }
)
#: The one module outside the crypto package that may decrypt.
REVEAL = "sharing.access.reveal"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(package: str) -> Iterator[tuple[str, ast.Module]]:
    for path in sorted((ROOT / package).rglob("*.py")):
        yield _module_name(path), ast.parse(path.read_text(), filename=str(path))


def _imports(tree: ast.Module) -> Iterator[tuple[str, str | None, int]]:
    """(module, name imported from it or None, line) for every import in the module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            for alias in node.names:
                yield node.module, alias.name, node.lineno


def _decrypting_imports(tree: ast.Module) -> list[str]:
    """Every way the module reaches a decrypting function: by name, or through the whole
    sealing module (``import sharing.crypto.sealing``, ``from sharing.crypto import
    sealing``)."""
    found = []
    for module, name, line in _imports(tree):
        if module == SEALING and (name is None or name in DECRYPTING or name == "*"):
            found.append(f"line {line}: {module}.{name or '*'}")
        elif module == "sharing.crypto" and name in ("sealing", "*"):
            found.append(f"line {line}: the whole of {SEALING}")
    return found


def test_only_reveal_and_the_crypto_package_import_the_decrypting_functions() -> None:
    offenders = {
        name: found
        for package in ("sharing", "hub")
        for name, tree in _modules(package)
        if name != REVEAL
        and not name.startswith("sharing.crypto")
        and (found := _decrypting_imports(tree))
    }
    assert offenders == {}


def test_reveal_is_where_the_decrypting_functions_are_imported() -> None:
    # the contract above is not empty: the one permitted module does use them
    (tree,) = [tree for name, tree in _modules("sharing") if name == REVEAL]
    assert _decrypting_imports(tree)


def test_the_core_never_imports_the_web_application() -> None:
    offenders = {
        name: [
            f"line {line}: {module}"
            for module, _, line in _imports(tree)
            if module == "hub" or module.startswith("hub.")
        ]
        for name, tree in _modules("sharing")
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def _blueprint_module(name: str) -> bool:
    """A module of one of hub's blueprint packages (hub/cases/, hub/audit/, ...)."""
    parts = name.split(".")
    return len(parts) >= 2 and (ROOT / "hub" / parts[1]).is_dir()


def test_no_view_builds_a_query() -> None:
    # A blueprint asks the core (sharing) for what it shows; it never queries the
    # database itself, so every read goes through the core's rules.
    offenders = {
        name: [
            f"line {line}: {module}"
            for module, _, line in _imports(tree)
            if module.split(".")[0] == "sqlalchemy"
        ]
        for name, tree in _modules("hub")
        if _blueprint_module(name)
    }
    assert {name: found for name, found in offenders.items() if found} == {}
    assert sum(_blueprint_module(name) for name, _ in _modules("hub")) >= 13
