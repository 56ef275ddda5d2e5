"""Simulated people: each holds scripted conversations, one after another, turn by turn.

At a level of N concurrent conversations, N people write at the same time; each sends its next
turn as soon as the previous one was answered (plus an optional think time), so the level
measures what Lotse can carry. Turns begun before the level's time is up are counted.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import Iterator, Sequence

import httpx

from lotse.bench.channels import Channel, Session, TurnFailed
from lotse.bench.resources import ResourceSampler
from lotse.bench.scenarios import Conversation
from lotse.bench.stats import LevelResult


async def run_level(
    channel: Channel,
    http: httpx.AsyncClient,
    conversations: Sequence[Conversation],
    concurrency: int,
    seconds: float,
    *,
    numbers: Iterator[int] | None = None,
    think: float = 0.0,
    resources: ResourceSampler | None = None,
) -> LevelResult:
    """Let `concurrency` people hold conversations through `channel` for `seconds`.

    `numbers` hands out the session numbers (share one counter between levels, so that every
    conversation is new to Lotse).
    """
    if concurrency < 1 or seconds <= 0 or not conversations:
        raise ValueError("a level needs at least one person, some time and a conversation")
    numbers = numbers if numbers is not None else itertools.count()
    result = LevelResult(channel.name, concurrency, load_average=os.getloadavg()[0])
    start = time.perf_counter()
    deadline = start + seconds

    async def person(first: int) -> None:
        for position in itertools.count(first, concurrency):
            if time.perf_counter() >= deadline:
                return
            conversation = conversations[position % len(conversations)]
            number = next(numbers)
            session = Session(f"bench-{number}", number, conversation.language)
            result.conversations_started += 1
            for text in conversation.turns:
                if time.perf_counter() >= deadline:
                    return
                began = time.perf_counter()
                try:
                    await channel.turn(http, session, text)
                except TurnFailed as error:
                    result.record_error(error.kind)
                except httpx.HTTPError as error:
                    result.record_error(type(error).__name__)
                else:
                    result.latencies.append(time.perf_counter() - began)
                if think:
                    await asyncio.sleep(think)
            result.conversations_finished += 1

    people = (person(index) for index in range(concurrency))
    if resources is None:
        await asyncio.gather(*people)
        result.seconds = time.perf_counter() - start
        return result
    cpu_before = resources.cpu()
    async with resources.peaks() as peaks:
        await asyncio.gather(*people)
    result.seconds = time.perf_counter() - start
    result.peak_rss = dict(peaks)
    result.cpu_seconds = {
        name: used - cpu_before.get(name, 0.0) for name, used in resources.cpu().items()
    }
    return result


async def warm_up(
    channel: Channel, http: httpx.AsyncClient, conversation: Conversation, numbers: Iterator[int]
) -> None:
    """Hold one conversation through `channel` unmeasured (first messages load caches)."""
    number = next(numbers)
    session = Session(f"bench-warm-up-{number}", number, conversation.language)
    for text in conversation.turns:
        try:
            await channel.turn(http, session, text)
        except (TurnFailed, httpx.HTTPError):
            pass  # measured later
