"""What the person reads when a counsellor takes the conversation over and hands it back.

Five languages, the German name of the centre kept as it is; the German term "Beratungsstelle"
stays next to its translation. The widget has its own label "Beraterin/Berater" (widget.js);
Telegram messages carry `COUNSELLOR_LABEL` in front of the counsellor's text.
"""

from __future__ import annotations

from lotse import languages
from lotse.knowledge import load_knowledge

TAKEOVER: dict[str, str] = {
    "de": "Eine Beraterin oder ein Berater der Beratungsstelle „{centre}“ schreibt Ihnen jetzt "
    "hier im Chat. Lotse pausiert so lange.",
    "en": "A counsellor from the counselling centre (Beratungsstelle) “{centre}” is now writing "
    "to you here in the chat. Lotse is paused in the meantime.",
    "ar": "تكتب إليك الآن هنا في المحادثة مستشارةٌ أو مستشارٌ من مركز الاستشارة (Beratungsstelle) "
    "«{centre}». يتوقف لوتسه (Lotse) عن الرد خلال ذلك.",
    "ru": "Сейчас вам здесь, в чате, пишет консультант из консультационного центра "
    "(Beratungsstelle) «{centre}». Лотсе (Lotse) пока не отвечает.",
    "pl": "Teraz pisze do Ciebie tutaj na czacie doradczyni lub doradca z poradni "
    "(Beratungsstelle) „{centre}”. W tym czasie Lotse nie odpowiada.",
}

HANDBACK: dict[str, str] = {
    "de": "Das Gespräch ist wieder bei Lotse – Lotse antwortet Ihnen ab jetzt wieder. Wenn Sie "
    "noch Fragen an die Beratungsstelle haben, schreiben Sie es einfach.",
    "en": "The conversation is back with Lotse – Lotse will answer you again from now on. If you "
    "have more questions for the counselling centre (Beratungsstelle), just say so.",
    "ar": "عادت المحادثة إلى لوتسه (Lotse)، وسيجيبك من جديد بدءًا من الآن. إذا كانت لديك أسئلة أخرى "
    "لمركز الاستشارة (Beratungsstelle)، فاكتب ذلك ببساطة.",
    "ru": "Разговор снова ведёт Лотсе (Lotse) — теперь он опять отвечает на ваши сообщения. Если у "
    "вас остались вопросы к консультационному центру (Beratungsstelle), просто напишите об этом.",
    "pl": "Rozmowa wróciła do Lotse – od teraz Lotse znów odpowiada na Twoje wiadomości. Jeśli "
    "masz jeszcze pytania do poradni (Beratungsstelle), po prostu napisz.",
}

#: Answer on Telegram to a message that went to the counsellor (the widget has its own note).
RECEIVED: dict[str, str] = {
    "de": "Ihre Nachricht ist bei der Beraterin / dem Berater angekommen.",
    "en": "Your message went to the counsellor.",
    "ar": "وصلت رسالتك إلى المستشارة/المستشار.",
    "ru": "Ваше сообщение передано консультанту.",
    "pl": "Twoja wiadomość trafiła do doradczyni/doradcy.",
}

#: Put in front of a counsellor's message on Telegram (the widget shows its own label).
COUNSELLOR_LABEL: dict[str, str] = {
    "de": "Beraterin/Berater",
    "en": "Counsellor",
    "ar": "المستشارة/المستشار",
    "ru": "Консультант",
    "pl": "Doradczyni/doradca",
}


def language_of(code: str | None) -> str:
    """A supported language (German if `code` is not one)."""
    return code if code in languages.SUPPORTED else languages.DEFAULT


def centre_name(centre_id: str) -> str:
    """The centre's name from the knowledge base (its id if unknown)."""
    for centre in load_knowledge().centres:
        if centre.id == centre_id:
            return centre.name
    return centre_id


def takeover_notice(language: str | None, centre_id: str) -> str:
    """ "A counsellor of <centre> is writing to you now; Lotse is paused." """
    return TAKEOVER[language_of(language)].format(centre=centre_name(centre_id))


def handback_notice(language: str | None) -> str:
    """ "Lotse answers you again." """
    return HANDBACK[language_of(language)]


def telegram_counsellor_text(language: str | None, text: str) -> str:
    """A counsellor's message as sent on Telegram: labelled, so it is not taken for the bot."""
    return f"{COUNSELLOR_LABEL[language_of(language)]}:\n{text}"
