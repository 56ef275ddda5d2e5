"""Names of intents, entities, slots, actions and responses used by the custom actions."""

# Intents
INTENT_CHANGE_LANGUAGE = "change_language"

# Entities
ENTITY_LANGUAGE = "language"

# Slots
SLOT_LANGUAGE = "language"
SLOT_LANGUAGE_NAMED = "language_named"

# Actions
ACTION_DETECT_LANGUAGE = "action_detect_language"
ACTION_CHANGE_LANGUAGE = "action_change_language"
ACTION_RESTART_CONVERSATION = "action_restart_conversation"

#: Below this NLU confidence a message is not taken as a request to change the language.
CHANGE_LANGUAGE_MIN_CONFIDENCE = 0.5
