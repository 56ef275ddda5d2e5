"""Custom actions, served by `rasa run actions --actions bot.actions`.

Importing the modules registers their Action classes with rasa-sdk.
"""

from bot.actions import conversation, handoff, intake, language  # noqa: F401
