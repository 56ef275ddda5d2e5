"""Which Rasa server answers a message: round robin over the replicas, dead ones tried last.

Each message goes to the next replica in turn, so one conversation's messages are spread over
all of them: they share the tracker store (PostgreSQL), and Rasa's Redis lock store keeps one
conversation's messages in order. A replica that refused a connection is tried last for
`cooldown` seconds, so a dead one costs a connection attempt only now and then.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

#: Seconds a replica that refused a connection goes to the end of the queue.
DEFAULT_COOLDOWN_SECONDS = 5.0


class ReplicaPool:
    """The Rasa servers of one web app and the order to try them in for each message."""

    def __init__(
        self,
        urls: Sequence[str],
        cooldown: float = DEFAULT_COOLDOWN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`urls` without trailing slashes; `clock` is injectable for tests."""
        if not urls:
            raise ValueError("at least one Rasa server URL is needed")
        self.urls = [url.rstrip("/") for url in urls]
        self.cooldown = cooldown
        self._clock = clock
        self._next = 0
        self._down_until: dict[str, float] = {}

    def order(self) -> list[str]:
        """Every replica once for one message: the next in turn first, recently failed ones last."""
        start = self._next
        self._next = (start + 1) % len(self.urls)
        rotated = self.urls[start:] + self.urls[:start]
        now = self._clock()
        return sorted(rotated, key=lambda url: self._down_until.get(url, 0.0) > now)

    def failed(self, url: str) -> None:
        """`url` refused a connection: try it last for a while."""
        self._down_until[url] = self._clock() + self.cooldown

    def succeeded(self, url: str) -> None:
        """`url` answered: it is back in the rotation."""
        self._down_until.pop(url, None)

    def is_down(self, url: str) -> bool:
        """True while `url` is cooling down after a refused connection."""
        return self._down_until.get(url, 0.0) > self._clock()
