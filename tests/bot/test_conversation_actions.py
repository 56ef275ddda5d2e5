"""action_restart_conversation."""

from rasa_sdk.events import AllSlotsReset, SlotSet

from bot.actions.conversation import ActionRestartConversation
from tests.bot.conftest import user_message


async def test_restart_resets_slots_but_keeps_the_language(dispatcher, make_tracker):
    tracker = make_tracker(
        slots={"language": "ar", "language_named": True},
        latest_message=user_message("من جديد", intent="start_over"),
    )
    events = await ActionRestartConversation().run(dispatcher, tracker, {})
    assert events == [AllSlotsReset(), SlotSet("language", "ar")]


async def test_restart_without_a_language_only_resets(dispatcher, make_tracker):
    tracker = make_tracker(latest_message=user_message("restart", intent="start_over"))
    assert await ActionRestartConversation().run(dispatcher, tracker, {}) == [AllSlotsReset()]
