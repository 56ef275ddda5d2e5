"""Names and scores of the occupations in a transcript from Rasa (bot/transcript.py).

The tracker stores only the ids of an unsure match's candidates (the slot
`occupation_candidates`), not their scores. The matcher is deterministic, so running it again on
the person's words in the conversation's language gives the scores Lotse saw; a candidate the
matcher no longer returns (the knowledge changed since) keeps the score None.
"""

from __future__ import annotations

from typing import Any

from lotse.knowledge import get_matcher, load_knowledge

#: How many matches the matcher is asked for when scoring candidates (Lotse offers at most 3).
RESCORE_LIMIT = 10


def with_occupation_names(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries with `name` (German title) and, where missing, `score` on every candidate.

    Blocking (it may build the matcher once): call it in a thread from async code.
    """
    occupations = load_knowledge().occupations
    for entry in entries:
        candidates = entry.get("candidates")
        if not isinstance(candidates, list) or not candidates:
            continue
        if any(c.get("score") is None for c in candidates) and entry.get("text"):
            match = get_matcher().match(
                str(entry["text"]), lang=entry.get("language"), limit=RESCORE_LIMIT
            )
            scores = {found.id: found.score for found in match.candidates}
            for candidate in candidates:
                if candidate.get("score") is None and candidate.get("id") in scores:
                    candidate["score"] = round(scores[candidate["id"]], 1)
        for candidate in candidates:
            occupation = occupations.get(candidate.get("id"))
            candidate["name"] = occupation.title_de if occupation else candidate.get("id")
    return entries
