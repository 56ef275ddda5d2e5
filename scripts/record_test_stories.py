"""Record Rasa test stories from real conversations: `make record-stories`.

Starts Lotse on its own ports with a fresh tracker store, plays every scripted conversation of
tests/data/conversations.yaml through /api/chat, reads each tracker back and writes it as a test
story (user text, predicted intent, actions, slots, forms) to
tests/conversations/test_guidance_<lang>.yml.
Review the diff before committing: a recorded story asserts today's behaviour.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.story_writer.yaml_story_writer import YAMLStoryWriter

from lotse import PROJECT_ROOT
from lotse.config import Settings
from lotse.processes import Processes
from tests.e2e.conversations import play, scenarios

OUT = PROJECT_ROOT / "tests" / "conversations"


async def stories_of(store: SQLTrackerStore, senders: list[tuple[str, str]]) -> str:
    writer = YAMLStoryWriter()
    steps = []
    for sender, title in senders:
        tracker = await store.retrieve(sender)
        story = tracker.as_story(include_source=False)
        for step in story.story_steps:
            step.block_name = title
        steps.extend(story.story_steps)
    return writer.dumps(steps, is_test_story=True)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            port=8019, rasa_port=5019, action_port=5069,
            rasa_url="http://127.0.0.1:5019", action_url="http://127.0.0.1:5069",
            var_dir=Path(tmp), database_url=f"sqlite:///{tmp}/lotse.db",
        )  # fmt: skip
        processes = Processes(settings, log_dir=Path(tmp) / "logs")
        processes.start()
        try:
            processes.wait_until_healthy(timeout=300)
            url = f"http://127.0.0.1:{settings.port}"
            recorded: dict[str, list[tuple[str, str]]] = {}
            for language, by_name in scenarios().items():
                for name, spec in by_name.items():
                    played = play(url, language, name, spec["turns"], prefix="story")
                    recorded.setdefault(language, []).append(
                        (f"web-{played.session_id}", f"{name.replace('_', ' ')} ({language})")
                    )
        finally:
            processes.stop()
        domain = Domain.load(str(PROJECT_ROOT / "bot" / "domain"))
        store = SQLTrackerStore(domain, dialect="sqlite", db=str(settings.tracker_db))
        for language, senders in recorded.items():
            text = asyncio.run(stories_of(store, senders))
            header = (
                "# Recorded by scripts/record_test_stories.py from tests/data/conversations.yaml,\n"
                "# then reviewed. Custom actions do not run in `rasa test`, so the slots they set\n"
                "# are listed.\n"
            )
            path = OUT / f"test_guidance_{language}.yml"
            path.write_text(header + text, encoding="utf-8")
            print(f"written {path.relative_to(PROJECT_ROOT)} ({len(senders)} stories)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
