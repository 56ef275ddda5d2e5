"""One run of the load benchmark: start the stack, warm up, measure every level, report."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import httpx

from lotse import PROJECT_ROOT
from lotse.bench import constants
from lotse.bench.botapi import BotApiStandIn, running_bot_api
from lotse.bench.channels import (
    Channel,
    LotseChannel,
    RasaRestChannel,
    TelegramChannel,
    WebChannel,
)
from lotse.bench.report import HEADER, RunInfo, table_row, verdicts, write_report
from lotse.bench.resources import ResourceSampler
from lotse.bench.runner import run_level, warm_up
from lotse.bench.scenarios import Conversation, load_conversations
from lotse.bench.stack import bench_settings, running_stack
from lotse.bench.stats import LevelResult
from lotse.config import Settings
from lotse.processes import Processes, child_environment, commands

#: Environment of the processes worth naming in the report (thread pools of TensorFlow & co.).
REPORTED_ENVIRONMENT = (
    "TF_INTRA_OP_PARALLELISM_THREADS", "TF_INTER_OP_PARALLELISM_THREADS", "OMP_NUM_THREADS",
)  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """Start the bench stack, measure every channel at every level, write the report."""
    levels = args.levels or (constants.QUICK_LEVELS if args.quick else constants.LEVELS)
    seconds = args.seconds or (constants.QUICK_SECONDS if args.quick else constants.LEVEL_SECONDS)
    try:
        conversations = load_conversations()
    except ValueError as error:
        print(f"lotse bench load: {error}", file=sys.stderr)
        return 1
    if args.quick:
        conversations = conversations[: constants.QUICK_CONVERSATIONS]
    load_before = os.getloadavg()
    var_dir = Path(tempfile.mkdtemp(prefix="lotse-bench-"))
    log_dir = var_dir / "logs"
    keep = False
    try:
        with running_bot_api(constants.BOT_API_PORT, constants.HOST) as bot_api:
            settings = bench_settings(var_dir, bot_api.base_url)
            print(f"Starting the bench stack (logs in {log_dir}) …", flush=True)
            with running_stack(settings, log_dir) as processes:
                results = asyncio.run(
                    measure(processes, bot_api, conversations, levels, seconds, args)
                )
    except (RuntimeError, TimeoutError, OSError) as error:
        keep = True
        print(f"lotse bench load: {error} (logs in {log_dir})", file=sys.stderr)
        return 1
    finally:
        if not keep:
            shutil.rmtree(var_dir, ignore_errors=True)
    info = RunInfo(
        date=dt.date.today().isoformat(), cpus=os.cpu_count() or 0, load_before=load_before,
        seconds_per_level=seconds, think=args.think, conversations=len(conversations),
        settings=describe(settings), load_after=os.getloadavg(),
    )  # fmt: skip
    path = write_report(results, info, args.out, suffix="-quick" if args.quick else "")
    print("\n".join(verdicts(results)))
    print(f"Report: {path}")
    return 0


def channels_for(settings: Settings, bot_api: BotApiStandIn, names: Sequence[str]) -> list[Channel]:
    """The channels to measure, in the order of `names`."""
    web_url = f"http://{settings.host}:{settings.port}"
    available: dict[str, Channel] = {
        constants.RAW_REST: RasaRestChannel(settings.rasa_url),
        constants.WEB: WebChannel(web_url),
        constants.TELEGRAM: TelegramChannel(web_url, settings.telegram_secret_token, bot_api),
        constants.LOTSE_CHANNEL: LotseChannel(settings.rasa_url, settings.channel_token),
    }
    return [available[name] for name in names]


async def measure(
    processes: Processes,
    bot_api: BotApiStandIn,
    conversations: Sequence[Conversation],
    levels: Sequence[int],
    seconds: float,
    args: argparse.Namespace,
) -> list[LevelResult]:
    """Warm every channel up with one conversation, then measure each level, channel by channel."""
    channels = channels_for(processes.settings, bot_api, args.channels)
    resources = ResourceSampler(
        {name: child.pid for name, child in processes.children.items()}, constants.MEMORY_INTERVAL
    )
    numbers = itertools.count()
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    results: list[LevelResult] = []
    async with httpx.AsyncClient(timeout=constants.TURN_TIMEOUT, limits=limits) as http:
        for channel in channels:
            await warm_up(channel, http, conversations[0], numbers)
        print(HEADER, flush=True)
        for level in levels:
            for channel in channels:
                processes.check_alive()
                result = await run_level(
                    channel, http, conversations, level, seconds,
                    numbers=numbers, think=args.think, resources=resources,
                )  # fmt: skip
                results.append(result)
                print(table_row(result, results), flush=True)
    return results


def describe(settings: Settings) -> dict[str, str]:
    """The settings the numbers depend on, for the report."""
    environment = child_environment(settings)
    described = {
        "commit": _git_commit(),
        "web app": " ".join(Path(part).name for part in commands(settings)["web"][1:]),
        "tracker store": environment.get("LOTSE_TRACKER_DIALECT", "sqlite"),
    }
    for name in REPORTED_ENVIRONMENT:
        described[name] = environment.get(name, "unset")
    return described


def _git_commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    dirty = subprocess.run(["git", "diff", "--quiet"], cwd=PROJECT_ROOT, check=False).returncode
    return done.stdout.strip() + (" (with uncommitted changes)" if dirty else "")
