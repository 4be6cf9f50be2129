"""``python -m sharing.protocols check FILE...``: check protocol files without the hub.

Prints every problem, one a line, and exits 1 if there are any (2 for bad usage). With
``--demo-agencies``, parties must be agencies of the demo partnership. ``hub protocols
check`` does the same against the agencies in the hub's database.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sharing.demo.partnership import AGENCIES
from sharing.protocols.checker import check_file


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; the exit status."""
    parser = argparse.ArgumentParser(prog="python -m sharing.protocols")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="check protocol files and print every problem")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.add_argument(
        "--demo-agencies",
        action="store_true",
        help="parties must be agencies of the demo partnership",
    )
    args = parser.parse_args(argv)
    known = {a.code: a.type for a in AGENCIES} if args.demo_agencies else None
    count = 0
    for path in args.files:
        problems = check_file(path, known)
        count += len(problems)
        for problem in problems:
            print(problem)
        if not problems:
            print(f"{path}: OK")
    if count:
        print(f"{count} problem{'s' if count != 1 else ''} found", file=sys.stderr)
    return 1 if count else 0


if __name__ == "__main__":
    sys.exit(main())
