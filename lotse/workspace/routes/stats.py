"""Workspace routes: statistics (page and CSV) and the "Qualifizierung" mark of a case.

- GET  /stats?weeks=4|12|52: charts and tables; counsellors see their centres, admins all.
- GET  /stats.csv?weeks=...: the same numbers as CSV.
- POST /cases/{ref}/qualification (field `value`: "1" on, "0" off): marks a recognition case as
  one with a qualification need (see `lotse.workspace.stats`); CSRF, audited "change".
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import delete, func, select

from lotse.store.db import utcnow
from lotse.store.workspace import CaseTag, User
from lotse.workspace.charts import bar_chart, column_chart
from lotse.workspace.deps import (
    CsrfChecked,
    CurrentUser,
    DbSession,
    audit,
    case_for,
    centre_ids,
)
from lotse.workspace.stats import (
    PERIOD_WEEKS,
    QUALIFICATION_TAG,
    compute_statistics,
    statistics_csv,
    valid_weeks,
)
from lotse.workspace.templating import LOCAL_ZONE, render

router = APIRouter()


def _visible_centres(db: DbSession, user: User) -> set[str] | None:
    return None if user.is_admin else centre_ids(db, user)


@router.get("/stats")
async def stats_page(
    request: Request, user: CurrentUser, db: DbSession, weeks: str = ""
) -> Response:
    """Charts and tables of the hand-offs of the chosen period."""
    stats = compute_statistics(db, _visible_centres(db, user), valid_weeks(weeks))
    charts = []
    for key, title, rows in stats.sections():
        chart_id = f"chart-{key}"
        svg = (
            column_chart(chart_id, title, rows)
            if key == "weeks"
            else bar_chart(chart_id, title, rows)
        )
        charts.append({"key": key, "title": title, "rows": rows, "svg": svg})
    return render(
        request,
        "stats.html",
        {
            "nav": "stats",
            "stats": stats,
            "charts": charts,
            "periods": PERIOD_WEEKS,
            "start_date": f"{stats.start:%d.%m.%Y}",
            "end_date": f"{stats.end.astimezone(LOCAL_ZONE):%d.%m.%Y}",
        },
    )


@router.get("/stats.csv")
async def stats_csv(user: CurrentUser, db: DbSession, weeks: str = "") -> Response:
    """The numbers of the stats page as CSV."""
    stats = compute_statistics(db, _visible_centres(db, user), valid_weeks(weeks))
    return Response(
        statistics_csv(stats),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": (
                f'attachment; filename="lotse-statistik-{stats.weeks}-wochen-'
                f'{utcnow():%Y-%m-%d}.csv"'
            ),
            "Cache-Control": "no-store",
        },
    )


@router.post("/cases/{ref}/qualification", dependencies=[CsrfChecked])
async def set_qualification(
    ref: str, user: CurrentUser, db: DbSession, value: str = Form("1")
) -> Response:
    """Mark (value "1") or unmark (value "0") the case as one with a qualification need."""
    case = case_for(db, user, ref)
    is_tag = func.lower(CaseTag.tag) == QUALIFICATION_TAG.lower()
    present = db.scalars(select(CaseTag.id).where(CaseTag.handoff_id == case.id, is_tag)).first()
    wanted = value.strip() == "1"
    if wanted and present is None:
        db.add(CaseTag(handoff_id=case.id, tag=QUALIFICATION_TAG))
    elif not wanted and present is not None:
        db.execute(
            delete(CaseTag)
            .where(CaseTag.handoff_id == case.id, is_tag)
            .execution_options(synchronize_session=False)
        )
    case.updated_at = utcnow()
    audit(db, user, "change", case.ref, f"qualification={'on' if wanted else 'off'}")
    return RedirectResponse(
        f"/workspace/cases/{case.ref}?ok={'tagged' if wanted else 'untagged'}", status_code=303
    )
