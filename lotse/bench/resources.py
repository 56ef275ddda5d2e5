"""Resident memory (RSS) and CPU time of the benchmarked processes and their children, read
from Linux's /proc (Lotse's benchmark runs where Lotse is deployed: on Linux)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

PROC = Path("/proc")
#: Clock ticks per second of /proc/<pid>/stat's CPU times.
TICKS = os.sysconf("SC_CLK_TCK")


def _proc_children() -> dict[int, list[int]]:
    """Parent pid → child pids, from /proc/<pid>/stat."""
    children: dict[int, list[int]] = {}
    for stat in PROC.glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # the process ended meanwhile
        parent = int(text[text.rfind(")") + 2 :].split()[1])
        children.setdefault(parent, []).append(int(stat.parent.name))
    return children


def _proc_rss(pid: int) -> int:
    """VmRSS of one process in bytes (0 when it is gone)."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _proc_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (0 when it is gone)."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return 0.0
    fields = text[text.rfind(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def _tree(pid: int) -> list[int]:
    """A process and all its descendants (empty when it is gone)."""
    if not (PROC / str(pid)).exists():
        return []
    children = _proc_children()
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(children.get(current, []))
    return found


def tree_rss(pid: int) -> int:
    """RSS in bytes of a process and all its descendants (0 when it is gone)."""
    return sum(map(_proc_rss, _tree(pid)))


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its living descendants."""
    return sum(map(_proc_cpu, _tree(pid)))


class ResourceSampler:
    """Samples named processes: `peaks()` tracks the highest RSS, `cpu()` the CPU time used."""

    def __init__(self, pids: dict[str, int], interval: float) -> None:
        """`pids`: process name → pid (e.g. "rasa", "actions", "web")."""
        self.pids = pids
        self.interval = interval

    def sample(self) -> dict[str, int]:
        """Current RSS in bytes of each process."""
        return {name: tree_rss(pid) for name, pid in self.pids.items()}

    def cpu(self) -> dict[str, float]:
        """CPU seconds each process has used so far."""
        return {name: tree_cpu(pid) for name, pid in self.pids.items()}

    @contextlib.asynccontextmanager
    async def peaks(self) -> AsyncIterator[dict[str, int]]:
        """A dict filled with each process's highest RSS while the block runs."""
        highest: dict[str, int] = {}

        def update() -> None:
            for name, rss in self.sample().items():
                highest[name] = max(rss, highest.get(name, 0))

        async def keep_sampling() -> None:
            while True:
                await asyncio.sleep(self.interval)
                await asyncio.to_thread(update)

        update()
        task = asyncio.create_task(keep_sampling())
        try:
            yield highest
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            update()
