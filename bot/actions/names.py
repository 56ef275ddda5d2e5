"""Names of intents, entities, slots, forms, actions and responses used by the custom actions."""

# Intents
INTENT_AFFIRM = "affirm"
INTENT_DENY = "deny"
INTENT_CHANGE_LANGUAGE = "change_language"
INTENT_INFORM = "inform"
INTENT_START_RECOGNITION = "start_recognition"
INTENT_NONE_OF_THESE = "none_of_these"
INTENT_NLU_FALLBACK = "nlu_fallback"

# Entities (from button payloads)
ENTITY_LANGUAGE = "language"
ENTITY_OCCUPATION_ID = "occupation_id"
ENTITY_RESIDENCE = "residence"
ENTITY_CONTACT_CHANNEL = "contact_channel"

# Slots
SLOT_LANGUAGE = "language"
SLOT_LANGUAGE_NAMED = "language_named"
SLOT_OCCUPATION_ID = "occupation_id"
SLOT_OCCUPATION_TEXT = "occupation_text"
SLOT_OCCUPATION_SCORE = "occupation_score"
SLOT_OCCUPATION_CANDIDATES = "occupation_candidates"
SLOT_OCCUPATION_MISSES = "occupation_misses"
SLOT_COUNTRY = "country"
SLOT_RESIDENCE = "residence"
SLOT_HOME_LAND = "home_land"
SLOT_WORK_LAND = "work_land"
SLOT_LOCATION = "location"
SLOT_LAND = "land"
SLOT_LAST_MISS = "last_miss"
SLOT_REQUESTED = "requested_slot"
SLOT_HANDOFF_KIND = "handoff_kind"
SLOT_HANDOFF_CENTRE = "handoff_centre"
SLOT_HANDOFF_CONSENT = "handoff_consent"
SLOT_CONTACT_CHANNEL = "contact_channel"
SLOT_CONTACT_VALUE = "contact_value"
SLOT_HANDOFF_REF = "handoff_ref"

# Forms
FORM_RECOGNITION = "recognition_form"
FORM_LABOUR = "labour_form"
FORM_HANDOFF = "handoff_form"

# Actions
ACTION_DETECT_LANGUAGE = "action_detect_language"
ACTION_CHANGE_LANGUAGE = "action_change_language"
ACTION_RESTART_CONVERSATION = "action_restart_conversation"
ACTION_EXTRACT_FACTS = "action_extract_facts"
ACTION_ASK_OCCUPATION_ID = "action_ask_occupation_id"
ACTION_ASK_COUNTRY = "action_ask_country"
ACTION_ASK_RESIDENCE = "action_ask_residence"
ACTION_ASK_LAND = "action_ask_land"
ACTION_ASK_CONTACT_CHANNEL = "action_ask_contact_channel"
ACTION_ASK_CONTACT_VALUE = "action_ask_contact_value"
ACTION_SHOW_RESULT = "action_show_result"
ACTION_LABOUR_CENTRE = "action_labour_centre"
ACTION_OFFER_HANDOFF = "action_offer_handoff"
ACTION_ASK_HANDOFF_CONSENT = "action_ask_handoff_consent"
ACTION_CREATE_HANDOFF = "action_create_handoff"
ACTION_CANCEL_HANDOFF = "action_cancel_handoff"
ACTION_DELETE_CONVERSATION = "action_delete_conversation"
VALIDATE_RECOGNITION_FORM = "validate_recognition_form"
VALIDATE_HANDOFF_FORM = "validate_handoff_form"

# Responses uttered by actions (bot/responses/, except utter_handoff_declined from the domain)
UTTER_ASK_OCCUPATION = "utter_ask_occupation_id"
UTTER_OCCUPATION_CANDIDATES = "utter_occupation_candidates"
UTTER_OCCUPATION_NOT_FOUND = "utter_occupation_not_found"
UTTER_OCCUPATION_OFFER_COUNSELLOR = "utter_occupation_offer_counsellor"
UTTER_ASK_COUNTRY = "utter_ask_country"
UTTER_COUNTRY_NOT_FOUND = "utter_country_not_found"
UTTER_ASK_RESIDENCE = "utter_ask_residence"
UTTER_ASK_LAND = "utter_ask_land"
UTTER_ASK_LAND_LABOUR = "utter_ask_land_labour"
UTTER_ASK_LAND_ABROAD = "utter_ask_land_abroad"
UTTER_PLACE_NOT_FOUND = "utter_place_not_found"
UTTER_LABOUR_CENTRE = "utter_labour_centre"
UTTER_LABOUR_CENTRE_UNKNOWN = "utter_labour_centre_unknown"
UTTER_LABOUR_URGENT = "utter_labour_urgent"
UTTER_OFFER_HANDOFF = "utter_offer_handoff"
UTTER_OFFER_HANDOFF_FINDER = "utter_offer_handoff_finder"
UTTER_ASK_HANDOFF_CONSENT = "utter_ask_handoff_consent"
UTTER_ASK_CONTACT_CHANNEL = "utter_ask_contact_channel"
UTTER_ASK_CONTACT_EMAIL = "utter_ask_contact_email"
UTTER_ASK_CONTACT_PHONE = "utter_ask_contact_phone"
UTTER_HANDOFF_CREATED = "utter_handoff_created"
UTTER_HANDOFF_DECLINED = "utter_handoff_declined"
UTTER_HANDOFF_CANCELLED = "utter_handoff_cancelled"
UTTER_NOTHING_TO_CANCEL = "utter_nothing_to_cancel"
UTTER_CONTACT_INVALID = "utter_contact_invalid"
UTTER_DELETED = "utter_deleted"
UTTER_ANYTHING_ELSE = "utter_anything_else"

#: Custom message by which action_delete_conversation asks the Lotse channel (bot/channels.py) to
#: erase the conversation from the tracker store once the turn is saved.
ERASE_CONVERSATION = {"lotse": "erase_conversation"}

#: Below this NLU confidence a message is not taken as a request to change the language.
CHANGE_LANGUAGE_MIN_CONFIDENCE = 0.5
#: After this many failed attempts at the occupation, offer a counsellor instead of asking again.
MAX_OCCUPATION_MISSES = 2
#: A message of at most this many words that names the place or country asked for is taken as
#: the answer, even when the NLU read it as small talk ("Bonn" as "bye").
PLAIN_ANSWER_MAX_WORDS = 3
#: Candidate occupations offered as buttons when the match is unsure.
MAX_OCCUPATION_BUTTONS = 6

#: Intents whose messages may name the person's place ("my boss doesn't pay me, I work in Köln").
PLACE_INTENTS = frozenset({"labour_problem", "human_handoff"})
#: Intents that answer the bot's question or give facts; anything else interrupts a form.
ANSWER_INTENTS = frozenset(
    {INTENT_INFORM, INTENT_START_RECOGNITION, INTENT_NONE_OF_THESE, INTENT_AFFIRM, INTENT_DENY,
     INTENT_NLU_FALLBACK}
)  # fmt: skip
