"""Hand-off statistics for the IQ network's reporting, over the last 4, 12 or 52 weeks.

Counted are hand-offs created in the period (by week, centre, language, channel, reference
occupation) and their split into the three reporting categories:

- Faire Integration: `kind == "fair-integration"` (labour and social-law counselling);
- Qualifizierung: a recognition case tagged "Qualifizierung" by a counsellor, i.e. the counselling
  found a qualification need (partial recognition with an adaptation course, a bridge course,
  a compensation measure). The tag is set in the case view (POST /cases/{ref}/qualification) or
  as an ordinary tag; case states say nothing about this, so a counsellor decides it;
- Anerkennung: every other recognition case.

The categories are exclusive, so they add up to the total. Weeks are ISO weeks (Monday to
Sunday) in German local time. A counsellor sees the numbers of their centres, an admin all.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lotse.store.db import as_utc, utcnow
from lotse.store.handoffs import Handoff
from lotse.store.workspace import CaseTag
from lotse.workspace import labels
from lotse.workspace.export import CSV_DELIMITER, centre_name, neutralise, occupation_name
from lotse.workspace.templating import LOCAL_ZONE

PERIOD_WEEKS = (4, 12, 52)
DEFAULT_WEEKS = 12
TOP_OCCUPATIONS = 10
QUALIFICATION_TAG = "Qualifizierung"
CATEGORY_RECOGNITION = "Anerkennung"
CATEGORY_QUALIFICATION = "Qualifizierung"
CATEGORY_FAIR_INTEGRATION = "Faire Integration"
CATEGORIES = (CATEGORY_RECOGNITION, CATEGORY_QUALIFICATION, CATEGORY_FAIR_INTEGRATION)
NO_OCCUPATION = "ohne Referenzberuf"

Rows = list[tuple[str, int]]


@dataclass(frozen=True)
class Statistics:
    """The numbers of one period; every breakdown is a list of (label, count)."""

    weeks: int
    start: datetime  # local midnight of the first Monday
    end: datetime  # now
    total: int
    per_week: Rows
    per_centre: Rows
    per_language: Rows
    per_channel: Rows
    top_occupations: Rows
    categories: Rows

    def sections(self) -> list[tuple[str, str, Rows]]:
        """(key, German title, rows) of every breakdown, in display order."""
        return [
            ("weeks", "Übergaben pro Woche", self.per_week),
            ("categories", "Anerkennung / Qualifizierung / Faire Integration", self.categories),
            ("centres", "Übergaben pro Beratungsstelle", self.per_centre),
            ("languages", "Übergaben pro Sprache", self.per_language),
            ("channels", "Übergaben pro Kanal", self.per_channel),
            (
                "occupations",
                f"Häufigste Referenzberufe (Top {TOP_OCCUPATIONS})",
                self.top_occupations,
            ),
        ]


def valid_weeks(weeks: Any) -> int:
    """One of `PERIOD_WEEKS` (anything else: the default)."""
    try:
        value = int(weeks)
    except (TypeError, ValueError):
        return DEFAULT_WEEKS
    return value if value in PERIOD_WEEKS else DEFAULT_WEEKS


def period_start(weeks: int, now: datetime) -> datetime:
    """Local midnight of the Monday `weeks - 1` weeks before this week's Monday (aware)."""
    local = as_utc(now).astimezone(LOCAL_ZONE)
    monday = (local - timedelta(days=local.weekday())).date() - timedelta(weeks=weeks - 1)
    return datetime(monday.year, monday.month, monday.day, tzinfo=LOCAL_ZONE)


def week_label(monday: datetime) -> str:
    """ "KW 47/2026" (ISO week)."""
    year, week, _ = monday.isocalendar()
    return f"KW {week:02d}/{year}"


def _renamed(counter: Counter[str], name: Callable[[str], str]) -> Counter[str]:
    """The counts under display names (values with the same name add up)."""
    renamed: Counter[str] = Counter()
    for key, count in counter.items():
        renamed[name(key)] += count
    return renamed


def _ranked(counter: Counter[str], order: Iterable[str] | None = None) -> Rows:
    """(name, count) in `order` (listing every name of it, also with 0; then any others), or
    by count, largest first."""
    if order is None:
        return sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    fixed = list(order)
    others = sorted((key, count) for key, count in counter.items() if key not in fixed)
    return [(key, counter.get(key, 0)) for key in fixed] + others


def compute_statistics(
    db: Session, centres: set[str] | None, weeks: int = DEFAULT_WEEKS, now: datetime | None = None
) -> Statistics:
    """The statistics of the last `weeks` weeks.

    Args:
        db: A session.
        centres: The centres whose hand-offs count (None: all, for admins).
        weeks: 4, 12 or 52.
        now: The end of the period (default: now).
    """
    now = as_utc(now or utcnow()).astimezone(timezone.utc)
    weeks = valid_weeks(weeks)
    start = period_start(weeks, now)
    in_period = [
        Handoff.created_at >= start.astimezone(timezone.utc),
        Handoff.created_at <= now,
    ]
    if centres is not None:
        in_period.append(Handoff.centre_id.in_(sorted(centres)))
    rows = db.execute(
        select(
            Handoff.id,
            Handoff.created_at,
            Handoff.centre_id,
            Handoff.language,
            Handoff.channel,
            Handoff.kind,
            Handoff.occupation_id,
        ).where(*in_period)
    ).all()
    qualified = set(
        db.scalars(
            select(CaseTag.handoff_id).where(
                func.lower(CaseTag.tag) == QUALIFICATION_TAG.lower(),
                CaseTag.handoff_id.in_(select(Handoff.id).where(*in_period)),
            )
        )
    )

    mondays = [start + timedelta(weeks=index) for index in range(weeks)]
    per_week: Counter[int] = Counter()
    per_centre: Counter[str] = Counter()
    per_language: Counter[str] = Counter()
    per_channel: Counter[str] = Counter()
    occupations: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    for row in rows:  # count raw values; names are looked up once per value below
        local = as_utc(row.created_at).astimezone(LOCAL_ZONE)
        per_week[min(max((local - start).days // 7, 0), weeks - 1)] += 1
        per_centre[row.centre_id] += 1
        per_language[row.language] += 1
        per_channel[row.channel] += 1
        occupations[row.occupation_id or ""] += 1
        if row.kind == "fair-integration":
            categories[CATEGORY_FAIR_INTEGRATION] += 1
        elif row.id in qualified:
            categories[CATEGORY_QUALIFICATION] += 1
        else:
            categories[CATEGORY_RECOGNITION] += 1
    return Statistics(
        weeks=weeks,
        start=start,
        end=now,
        total=len(rows),
        per_week=[(week_label(monday), per_week[index]) for index, monday in enumerate(mondays)],
        per_centre=_ranked(_renamed(per_centre, centre_name)),
        per_language=_ranked(
            _renamed(per_language, lambda code: labels.label(labels.LANGUAGE_LABELS, code)),
            labels.LANGUAGE_LABELS.values(),
        ),
        per_channel=_ranked(
            _renamed(per_channel, lambda code: labels.label(labels.CHANNEL_LABELS, code)),
            labels.CHANNEL_LABELS.values(),
        ),
        top_occupations=_ranked(
            _renamed(occupations, lambda key: occupation_name(key) or key or NO_OCCUPATION)
        )[:TOP_OCCUPATIONS],
        categories=_ranked(categories, CATEGORIES),
    )


def statistics_csv(stats: Statistics) -> bytes:
    """All breakdowns as one CSV ("Auswertung;Kategorie;Anzahl"), UTF-8 with BOM, ";"."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow(["Auswertung", "Kategorie", "Anzahl"])
    writer.writerow(["Zeitraum", f"letzte {stats.weeks} Wochen", str(stats.total)])
    for _, title, rows in stats.sections():
        for name, count in rows:
            writer.writerow([title, neutralise(name), str(count)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
