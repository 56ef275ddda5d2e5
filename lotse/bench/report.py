"""The benchmark's outputs: a printed table and reports/bench-<date>.md with a latency chart."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lotse.bench.constants import (
    RAW_REST,
    TARGET_LEVEL,
    TARGET_OVERHEAD,
    TARGET_P95_SECONDS,
    TARGET_TURNS_PER_SECOND,
    WEB,
)
from lotse.bench.stats import LevelResult, overhead

PROCESSES = ("rasa", "actions", "web")
MB = 1024 * 1024


@dataclass
class RunInfo:
    """What the numbers depend on, written above the table."""

    date: str
    cpus: int
    load_before: tuple[float, float, float]
    seconds_per_level: float
    think: float
    conversations: int
    settings: dict[str, str] = field(default_factory=dict)
    load_after: tuple[float, float, float] | None = None


def _ms(seconds: float) -> str:
    return "–" if math.isnan(seconds) else f"{seconds * 1000:.0f}"


def _ratio(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.2f}"


def _raw_for(result: LevelResult, results: Sequence[LevelResult]) -> LevelResult | None:
    return next(
        (r for r in results if r.channel == RAW_REST and r.concurrency == result.concurrency),
        None,
    )


HEADER = (
    "| channel | concurrent | turns | turns/s | p50 ms | p95 ms | p99 ms | errors "
    "| ×raw p50 | ×raw p95 | CPU ms/turn rasa/actions/web "
    "| RSS rasa MB | RSS actions MB | RSS web MB | load 1 min |"
)


def table_row(result: LevelResult, results: Sequence[LevelResult]) -> str:
    """One Markdown table row."""
    raw = _raw_for(result, results)
    ratios = ("–", "–")
    if raw is not None and result.channel != RAW_REST:
        ratios = (_ratio(overhead(result, raw, 50)), _ratio(overhead(result, raw, 95)))
    rss = [
        f"{result.peak_rss[name] / MB:.0f}" if name in result.peak_rss else "–"
        for name in PROCESSES
    ]
    cpu = "/".join(_ms(result.cpu_per_turn(name)) for name in PROCESSES)
    cells = [
        result.channel, str(result.concurrency), str(result.turns),
        f"{result.turns_per_second:.1f}",
        _ms(result.latency(50)), _ms(result.latency(95)), _ms(result.latency(99)),
        f"{result.error_rate:.1%}", *ratios, cpu, *rss, f"{result.load_average:.2f}",
    ]  # fmt: skip
    return "| " + " | ".join(cells) + " |"


def table(results: Sequence[LevelResult]) -> str:
    """The Markdown table of every level and channel."""
    separator = "|" + "---|" * HEADER.count(" | ") + "---|"
    return "\n".join([HEADER, separator, *(table_row(r, results) for r in results)])


def verdicts(results: Sequence[LevelResult]) -> list[str]:
    """The done-criteria of issue 7, each met or not.

    Throughput and p95 at 20 concurrent conversations; the app's overhead (web p50 / raw Rasa
    REST p50) at every measured level, since under saturation it also reflects queueing.
    """
    lines = []
    web = next((r for r in results if r.channel == WEB and r.concurrency == TARGET_LEVEL), None)
    if web is None:
        lines.append(f"- Not measured at {TARGET_LEVEL} concurrent conversations (quick run).")
    else:
        lines += [
            _verdict(
                f"throughput ≥ {TARGET_TURNS_PER_SECOND:.0f} turns/s at {TARGET_LEVEL}",
                f"{web.turns_per_second:.1f}",
                web.turns_per_second >= TARGET_TURNS_PER_SECOND,
            ),
            _verdict(
                f"p95 ≤ {TARGET_P95_SECONDS * 1000:.0f} ms at {TARGET_LEVEL}",
                f"{_ms(web.latency(95))} ms",
                web.latency(95) <= TARGET_P95_SECONDS,
            ),
        ]
    for app in (r for r in results if r.channel == WEB):
        raw = _raw_for(app, results)
        if raw is not None:
            ratio = overhead(app, raw, 50)
            lines.append(
                _verdict(
                    f"app adds ≤ {TARGET_OVERHEAD - 1:.0%} to raw Rasa REST latency (p50) "
                    f"at {app.concurrency}",
                    f"×{_ratio(ratio)}",
                    ratio <= TARGET_OVERHEAD,
                )
            )
    return lines


def _verdict(criterion: str, measured: str, met: bool) -> str:
    return f"- {criterion}: {measured} — {'met' if met else 'NOT met'}"


def draw_chart(results: Sequence[LevelResult], path: Path) -> None:
    """Latency (p50, p95) and throughput per concurrency level and channel, as an SVG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    channels = list(dict.fromkeys(r.channel for r in results))
    figure, (latency, throughput) = pyplot.subplots(1, 2, figsize=(10, 4))
    for index, channel in enumerate(channels):
        rows = sorted((r for r in results if r.channel == channel), key=lambda r: r.concurrency)
        levels = [r.concurrency for r in rows]
        colour = f"C{index}"
        latency.plot(levels, [r.latency(50) * 1000 for r in rows], "o-", color=colour,
                     label=f"{channel} p50")  # fmt: skip
        latency.plot(levels, [r.latency(95) * 1000 for r in rows], "s--", color=colour,
                     label=f"{channel} p95")  # fmt: skip
        throughput.plot(levels, [r.turns_per_second for r in rows], "o-", color=colour,
                        label=channel)  # fmt: skip
    latency.axhline(TARGET_P95_SECONDS * 1000, color="grey", linewidth=0.8, linestyle=":")
    throughput.axhline(TARGET_TURNS_PER_SECOND, color="grey", linewidth=0.8, linestyle=":")
    latency.set(title="Turn latency", xlabel="concurrent conversations", ylabel="ms",
                yscale="log")  # fmt: skip
    throughput.set(title="Throughput", xlabel="concurrent conversations", ylabel="turns/s")
    latency.legend(fontsize="small")
    throughput.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, format="svg")
    pyplot.close(figure)


def markdown(results: Sequence[LevelResult], info: RunInfo, chart_name: str) -> str:
    """The whole report."""
    settings = "\n".join(f"- {key}: `{value}`" for key, value in info.settings.items())
    errors = sorted(
        {f"{kind} ×{count} ({r.channel}, {r.concurrency})"
         for r in results for kind, count in r.error_kinds.items()}
    )  # fmt: skip
    after = f", after: {', '.join(f'{x:.2f}' for x in info.load_after)}" if info.load_after else ""
    return "\n".join([
        f"# Load benchmark {info.date}",
        "",
        f"`lotse bench load`: {info.conversations} scripted conversations "
        "(tests/data/conversations.yaml) replayed by simulated people through the raw Rasa REST "
        "channel, `POST /api/chat` (web) and the Telegram webhook (Bot API stand-in on "
        f"localhost); {info.seconds_per_level:.0f} s per channel and level, think time "
        f"{info.think:g} s (each person sends the next turn as soon as it has the answer). "
        "One Rasa server, one action server, one web app, SQLite tracker store.",
        "",
        f"Machine: {info.cpus} cores; load average (1, 5, 15 min) before the start: "
        f"{', '.join(f'{x:.2f}' for x in info.load_before)}{after}. Other work on the machine "
        "makes the numbers pessimistic; the `load 1 min` column is the load when a level began "
        "(the benchmark itself included).",
        "",
        settings,
        "",
        table(results),
        "",
        "×raw: the channel's latency divided by the raw Rasa REST latency at the same level. "
        "CPU ms/turn: CPU time each process used during the level per answered turn (what "
        "limits throughput on a busy machine). RSS: the highest resident memory of each process "
        "(with its children) during the level.",
        "",
        "## Done-criteria of issue 7 (web channel, one Rasa replica)",
        "",
        *verdicts(results),
        "",
        f"![Turn latency and throughput]({chart_name})",
        "",
        *(["## Errors", "", *(f"- {line}" for line in errors), ""] if errors else []),
    ])  # fmt: skip


def write_report(
    results: Sequence[LevelResult], info: RunInfo, directory: Path, suffix: str = ""
) -> Path:
    """Write bench-<date><suffix>.md and its chart (.svg) into `directory`; return the .md."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"bench-{info.date}{suffix}"
    chart = directory / f"{stem}.svg"
    draw_chart(results, chart)
    path = directory / f"{stem}.md"
    path.write_text(markdown(results, info, chart.name), encoding="utf-8")
    return path
