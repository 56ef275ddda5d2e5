"""Custom actions, served by `rasa run actions --actions bot.actions`.

Importing the modules registers their Action classes with rasa-sdk. The knowledge base, the
matcher and the place and country indexes are loaded here, when the action server starts, so that
the first person to write does not wait for them (about 4 s).
"""

from bot.actions import conversation, handoff, intake, language  # noqa: F401
from lotse.guidance.facts import warm_up

warm_up()
