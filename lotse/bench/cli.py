"""``lotse bench load``: the load benchmark on the command line (``make bench`` runs it).

Only argument parsing lives here (the ``lotse`` command imports it at every start); the run is in
:mod:`lotse.bench.run`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lotse.bench import constants


def register(targets: argparse._SubParsersAction) -> None:
    """Add ``load`` to the targets of ``lotse bench``."""
    load = targets.add_parser(
        "load",
        help="whole conversations at 1-50 concurrent people through the chat API, Telegram and "
        "raw Rasa REST; writes reports/bench-<date>.md",
    )
    load.add_argument("--quick", action="store_true", help="1 and 10 concurrent, few conversations")
    load.add_argument("--levels", type=_levels, help="concurrent conversations, e.g. 1,10,20,50")
    load.add_argument("--seconds", type=_seconds, help="seconds per channel and level")
    load.add_argument(
        "--think", type=_seconds, default=0.0, help="seconds between two turns (default 0)"
    )
    load.add_argument(
        "--channels", type=_channels, default=constants.CHANNELS,
        help=f"comma-separated, of {','.join(constants.CHANNELS + constants.OPTIONAL_CHANNELS)} "
        f"(default: {','.join(constants.CHANNELS)})",
    )  # fmt: skip
    load.add_argument("--out", type=Path, default=constants.REPORTS_DIR, help="report directory")
    load.set_defaults(func=_cmd_load)


def _levels(text: str) -> tuple[int, ...]:
    try:
        levels = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("levels: whole numbers separated by commas") from None
    if not levels or min(levels) < 1:
        raise argparse.ArgumentTypeError("levels: at least one person per level")
    return levels


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("a number of seconds") from None
    if not 0 <= seconds < float("inf"):
        raise argparse.ArgumentTypeError("seconds must be 0 or more")
    return seconds


def _channels(text: str) -> tuple[str, ...]:
    channels = tuple(part.strip() for part in text.split(",") if part.strip())
    known = (*constants.CHANNELS, *constants.OPTIONAL_CHANNELS)
    if set(channels) - set(known) or not channels:
        raise argparse.ArgumentTypeError(f"channels: choose from {', '.join(known)}")
    return channels


def _cmd_load(args: argparse.Namespace) -> int:
    """Start the bench stack, measure every channel at every level, write the report."""
    from lotse.bench.run import run

    return run(args)
