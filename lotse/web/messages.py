"""Texts the web app itself says: when Rasa cannot answer, when someone writes too fast."""

TRY_AGAIN: dict[str, str] = {
    "de": "Entschuldigung, ich kann gerade nicht antworten. Bitte versuchen Sie es in einem "
    "Moment noch einmal – Ihre Nachricht ist nicht verloren, senden Sie sie einfach erneut.",
    "en": "Sorry, I can't answer right now. Please try again in a moment – just send your "
    "message once more.",
    "ar": "عذرًا، لا أستطيع الرد الآن. يُرجى المحاولة مرة أخرى بعد قليل، فقط أرسل رسالتك من جديد.",
    "ru": "Извините, сейчас я не могу ответить. Пожалуйста, попробуйте ещё раз через минуту — "
    "просто отправьте сообщение снова.",
    "pl": "Przepraszam, nie mogę teraz odpowiedzieć. Spróbuj ponownie za chwilę – po prostu "
    "wyślij wiadomość jeszcze raz.",
}

RATE_LIMITED: dict[str, str] = {
    "de": "Sie schreiben gerade sehr schnell. Bitte warten Sie einen Moment und senden Sie Ihre "
    "Nachricht dann noch einmal.",
    "en": "You are writing very fast. Please wait a moment, then send your message again.",
    "ar": "أنت تكتب بسرعة كبيرة. يُرجى الانتظار قليلًا ثم إرسال رسالتك مرة أخرى.",
    "ru": "Вы пишете очень быстро. Пожалуйста, подождите немного и отправьте сообщение ещё раз.",
    "pl": "Piszesz bardzo szybko. Poczekaj chwilę i wyślij wiadomość jeszcze raz.",
}
