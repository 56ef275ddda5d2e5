"""The Lotse input channel's request checks (the whole channel runs in the end-to-end test)."""

from types import SimpleNamespace

import pytest

from bot.channels import MAX_TEXT_LENGTH, LotseInput, _validate


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
