"""The Lotse input channel's request checks (the whole channel runs in the end-to-end test)."""

from types import SimpleNamespace

import pytest

from bot.channels import MAX_TEXT_LENGTH, LotseInput, _validate, command_payload


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "text",
        {"message": "hi"},
        {"sender": "", "message": "hi"},
        {"sender": "x" * 200, "message": "hi"},
        {"sender": "a", "message": ""},
        {"sender": "a", "message": "   "},
        {"sender": "a", "message": 5},
        {"sender": "a", "message": "x" * (MAX_TEXT_LENGTH + 1)},
        {"sender": "a", "message": "hi", "metadata": "ru"},
    ],
)
def test_bad_payloads_are_refused_with_a_reason(payload) -> None:
    assert _validate(payload)


def test_good_payload_passes() -> None:
    assert (
        _validate({"sender": "web-1", "message": "Привет", "metadata": {"channel": "web"}}) is None
    )


@pytest.mark.parametrize(
    ("token", "header", "allowed"),
    [
        (None, "", True),
        ("secret", "Bearer secret", True),
        ("secret", "Bearer wrong", False),
        ("secret", "", False),
    ],
)
def test_token_is_checked_when_configured(token, header, allowed) -> None:
    request = SimpleNamespace(headers={"authorization": header} if header else {})
    assert LotseInput(token=token)._authorised(request) is allowed


def test_channel_is_built_from_credentials() -> None:
    assert LotseInput.from_credentials({"token": "abc"}).token == "abc"
    assert LotseInput.from_credentials(None).token is None


async def test_erase_conversation_deletes_only_that_senders_events(tmp_path) -> None:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.channels import erase_conversation

    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    for sender in ("web-a", "web-b"):
        tracker = DialogueStateTracker.from_events(sender, [UserUttered("Привет")])
        await store.save(tracker)
    erase_conversation(store, "web-a")
    assert await store.retrieve("web-a") is None
    assert [e.text for e in (await store.retrieve("web-b")).events if hasattr(e, "text")] == [
        "Привет"
    ]


@pytest.mark.parametrize(
    ("text", "payload"),
    [
        ("/delete", "/delete_data"),
        (" /DELETE ", "/delete_data"),
        ("/start@LotseBot", "/greet"),
        ("/language", "/change_language"),
        ('/inform{"residence":"abroad"}', '/inform{"residence":"abroad"}'),
        ("delete everything", "delete everything"),
    ],
)
def test_typed_commands_become_intents(text: str, payload: str) -> None:
    assert command_payload(text) == payload
