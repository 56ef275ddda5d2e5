"""The ``lotse`` command line (``lotse --help``).

Subcommands register themselves on the parser: each stores its handler as ``func``, which gets the
parsed arguments and returns the exit code.
"""

from __future__ import annotations

import argparse
import sys

from lotse import __version__


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    from lotse.knowledge import cli as knowledge_cli

    parser = argparse.ArgumentParser(prog="lotse", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"lotse {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    knowledge_cli.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
