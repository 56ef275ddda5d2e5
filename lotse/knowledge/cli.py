"""``lotse match | authority | centres | bench match``: the knowledge subcommands of the CLI.

``lotse.cli`` creates the parser and calls :func:`register`; every subcommand stores its handler
as ``func`` (``args.func(args) -> int``). Exit codes: 0 ok, 2 unknown occupation, Land or place
(with a one-line message on stderr).
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

import lotse

from ..languages import SUPPORTED
from .geo import locate, nearest_centres
from .loader import KnowledgeBase, load_knowledge
from .matching import Matcher, MatchResult, get_matcher
from .models import CENTRE_KINDS, LAND_NAMES_DE, Occupation

EXIT_OK = 0
EXIT_UNKNOWN = 2
#: The labelled query set used by ``lotse bench match``.
QUERIES_FILE = lotse.PROJECT_ROOT / "tests" / "data" / "occupation_queries.yaml"


class UnknownInputError(LookupError):
    """An occupation, Land or place the knowledge base does not know."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the knowledge subcommands to the ``lotse`` CLI."""
    match = subparsers.add_parser("match", help="match free text to reference occupations")
    match.add_argument("text", nargs="?", help="the text to match (omit with --batch)")
    match.add_argument("--lang", choices=SUPPORTED, help="language of the text (else detected)")
    match.add_argument("--limit", type=int, default=5, help="maximum candidates (default 5)")
    match.add_argument("--batch", action="store_true", help="read TEXT or LANG<TAB>TEXT lines")
    match.add_argument("--json", action="store_true", help="write JSON")
    match.set_defaults(func=_cmd_match)

    authority = subparsers.add_parser("authority", help="competent authority for an occupation")
    authority.add_argument("occupation", help="occupation id or free text")
    authority.add_argument("--state", required=True, help="Land code (BE, BY, NW ...) or name")
    authority.add_argument("--lang", choices=SUPPORTED, help="language of the free text")
    authority.add_argument("--json", action="store_true", help="write JSON")
    authority.set_defaults(func=_cmd_authority)

    centres = subparsers.add_parser("centres", help="counselling centres near a place")
    centres.add_argument("--near", required=True, help="postcode or place name")
    centres.add_argument("--kind", choices=CENTRE_KINDS, help="only centres of this kind")
    centres.add_argument("--limit", type=int, default=3, help="maximum centres (default 3)")
    centres.add_argument("--json", action="store_true", help="write JSON")
    centres.set_defaults(func=_cmd_centres)


def register_bench(targets: argparse._SubParsersAction) -> None:
    """Add ``match`` to the targets of ``lotse bench`` (created by ``lotse.cli``)."""
    bench = targets.add_parser(
        "match", help="matcher throughput, latency and accuracy on the labelled query set"
    )
    bench.add_argument("--data", type=Path, default=QUERIES_FILE, help="labelled queries (YAML)")
    bench.add_argument("--detect", action="store_true", help="detect the language (not given)")
    bench.add_argument("--errors", action="store_true", help="list the misses")
    bench.set_defaults(func=_cmd_bench)


def _reports_unknown(handler: Callable[[argparse.Namespace], int]) -> Callable[..., int]:
    """Turn UnknownInputError into exit code 2 and a one-line message on stderr."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except UnknownInputError as error:
            print(f"lotse: {error}", file=sys.stderr)
            return EXIT_UNKNOWN

    return run


# --- match


def match_payload(result: MatchResult, knowledge: KnowledgeBase) -> dict[str, Any]:
    """The JSON object of ``lotse match --json``."""
    candidates = []
    for candidate in result.candidates:
        occupation = knowledge.occupations[candidate.id]
        candidates.append(
            {
                "id": occupation.id,
                "title_de": occupation.title_de,
                "title": occupation.title(result.language),
                "kldb": occupation.kldb,
                "regulated": occupation.regulated,
                "score": round(candidate.score, 1),
            }
        )
    return {"language": result.language, "candidates": candidates}


def _match_text(payload: dict[str, Any]) -> str:
    if not payload["candidates"]:
        return "no matching occupation"
    return "\n".join(
        f"{c['score']:5.1f}  {c['id']:<32} {c['title']}"
        + ("  (regulated)" if c["regulated"] else "")
        for c in payload["candidates"]
    )


def _parse_batch_line(line: str) -> tuple[str | None, str]:
    lang, tab, text = line.partition("\t")
    if tab and lang.strip() in SUPPORTED:
        return lang.strip(), text
    return None, line


@_reports_unknown
def _cmd_match(args: argparse.Namespace) -> int:
    knowledge = load_knowledge()
    matcher = get_matcher(knowledge)
    if args.batch:
        return _match_batch(matcher, knowledge, sys.stdin, args)
    if not args.text:
        print("lotse: match needs TEXT (or --batch)", file=sys.stderr)
        return EXIT_UNKNOWN
    payload = match_payload(matcher.match(args.text, args.lang, args.limit), knowledge)
    print(json.dumps(payload, ensure_ascii=False) if args.json else _match_text(payload))
    return EXIT_OK


def _match_batch(
    matcher: Matcher, knowledge: KnowledgeBase, stream: TextIO, args: argparse.Namespace
) -> int:
    for raw in stream:
        line = raw.rstrip("\n")
        if not line.strip():
            payload: dict[str, Any] = {"language": args.lang, "candidates": []}
        else:
            lang, text = _parse_batch_line(line)
            payload = match_payload(matcher.match(text, lang or args.lang, args.limit), knowledge)
        print(json.dumps(payload, ensure_ascii=False) if args.json else _match_text(payload))
    return EXIT_OK


# --- authority


def resolve_occupation(knowledge: KnowledgeBase, text: str, lang: str | None = None) -> Occupation:
    """An occupation from its id or from free text (a confident match); else UnknownInputError."""
    occupation = knowledge.occupation(text.strip())
    if occupation:
        return occupation
    result = get_matcher(knowledge).match(text, lang)
    if result.best:
        return knowledge.occupations[result.best.id]
    if result.candidates:
        ids = ", ".join(c.id for c in result.candidates[:3])
        raise UnknownInputError(f"ambiguous occupation {text!r} (maybe: {ids})")
    raise UnknownInputError(f"unknown occupation {text!r}")


def authority_payload(knowledge: KnowledgeBase, occupation: Occupation, land: str) -> dict:
    """The JSON object of ``lotse authority --json``."""
    authority = knowledge.authority_for(occupation, land)
    sources = list(dict.fromkeys([*occupation.sources, *(authority.sources if authority else ())]))
    return {
        "occupation": {
            "id": occupation.id,
            "title_de": occupation.title_de,
            "kldb": occupation.kldb,
            "regulated": occupation.regulated,
        },
        "regulated": occupation.regulated,
        "path": occupation.path,
        "authority": authority.public() if authority else None,
        "legal_basis": occupation.legal_basis,
        "sources": sources,
    }


def _authority_text(payload: dict[str, Any], land: str) -> str:
    occupation, authority = payload["occupation"], payload["authority"]
    lines = [
        f"{occupation['title_de']} ({occupation['id']}, KldB {occupation['kldb']}): "
        + ("regulated" if payload["regulated"] else "not regulated")
        + f", path {payload['path']}",
        f"Legal basis: {payload['legal_basis']}",
    ]
    if authority:
        lines.append(f"Authority in {LAND_NAMES_DE[land]}: {authority['name']}")
        lines += [f"  {key}: {authority[key]}" for key in ("address", "url", "email", "phone")
                  if authority[key]]  # fmt: skip
    else:
        lines.append(f"Authority in {LAND_NAMES_DE[land]}: not verified, see Anerkennungs-Finder")
    return "\n".join(lines)


@_reports_unknown
def _cmd_authority(args: argparse.Namespace) -> int:
    knowledge = load_knowledge()
    land = knowledge.land(args.state)
    if land is None:
        raise UnknownInputError(f"unknown Land {args.state!r} (use a code such as BE, BY, NW)")
    occupation = resolve_occupation(knowledge, args.occupation, args.lang)
    payload = authority_payload(knowledge, occupation, land)
    print(json.dumps(payload, ensure_ascii=False) if args.json else _authority_text(payload, land))
    return EXIT_OK


# --- centres


@_reports_unknown
def _cmd_centres(args: argparse.Namespace) -> int:
    knowledge = load_knowledge()
    location = locate(args.near)
    if location is None:
        raise UnknownInputError(f"unknown place {args.near!r} (use a German postcode or place)")
    ranked = nearest_centres(location, knowledge.centres, kind=args.kind, limit=args.limit)
    payload = [{**centre.public(), "distance_km": round(km, 1)} for centre, km in ranked]
    if args.json:
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print(f"Near {location.label} ({location.land}):")
        for item in payload:
            where = ", ".join(x for x in (item["address"], item["city"]) if x) or item["land"]
            print(f"{item['distance_km']:6.1f} km  {item['name']} [{item['kind']}] — {where}")
            if item["url"]:
                print(f"           {item['url']}")
    return EXIT_OK


# --- bench


def load_queries(path: Path = QUERIES_FILE) -> list[dict[str, str]]:
    """The labelled queries: ``[{lang, text, expected}]``."""
    import yaml

    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return list(data["queries"] if isinstance(data, dict) else data)


def bench_rows(
    matcher: Matcher, queries: Iterable[dict[str, str]], detect_language: bool = False
) -> list[tuple[dict[str, str], MatchResult, float]]:
    """Run every query once (after a warm-up); return (query, result, seconds) per query."""
    queries = list(queries)
    for query in queries[:20]:
        matcher.match(query["text"], None)
    rows = []
    for query in queries:
        start = time.perf_counter()
        result = matcher.match(query["text"], None if detect_language else query["lang"])
        rows.append((query, result, time.perf_counter() - start))
    return rows


def _percentile(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else (values[0] if values else 0.0)
    )


def _cmd_bench(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    knowledge = load_knowledge()
    loaded = time.perf_counter()
    matcher = get_matcher(knowledge)
    built = time.perf_counter()
    rows = bench_rows(matcher, load_queries(args.data), args.detect)
    seconds = [row[2] for row in rows]
    print(f"knowledge load {loaded - start:.3f} s, matcher build {built - loaded:.3f} s")
    p50, p95 = (_percentile(seconds, q) * 1000 for q in (50, 95))
    print(
        f"{len(rows)} queries: {len(rows) / sum(seconds):.0f} queries/s, "
        f"p50 {p50:.2f} ms, p95 {p95:.2f} ms"
        + (" (language detected)" if args.detect else " (language given)")
    )
    print(f"{'lang':<5} {'n':>4} {'top1':>6} {'top3':>6} {'confident':>9} {'conf.wrong':>10}")
    for lang in (*SUPPORTED, None):
        subset = [r for r in rows if lang is None or r[0]["lang"] == lang]
        if not subset:
            continue
        top1 = sum(bool(r[1].candidates) and r[1].candidates[0].id == r[0]["expected"]
                   for r in subset)  # fmt: skip
        top3 = sum(r[0]["expected"] in [c.id for c in r[1].candidates[:3]] for r in subset)
        confident = sum(r[1].confident for r in subset)
        wrong = sum(r[1].confident and r[1].candidates[0].id != r[0]["expected"] for r in subset)
        n = len(subset)
        print(f"{lang or 'all':<5} {n:>4} {top1 / n:>6.3f} {top3 / n:>6.3f} "
              f"{confident / n:>9.3f} {wrong:>10}")  # fmt: skip
    if args.errors:
        for query, result, _ in rows:
            if not result.candidates or result.candidates[0].id != query["expected"]:
                got = [(c.id, c.score) for c in result.candidates[:3]]
                print(f"MISS {query['lang']} {query['text']!r} -> {got} (want {query['expected']})")
    return EXIT_OK
