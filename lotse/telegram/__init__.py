"""Lotse on Telegram: a thin relay between the Bot API and Rasa's Lotse channel.

Rasa owns the dialogue; this package only turns Telegram updates into messages for Rasa
(`handlers`), Rasa's answers into Bot API calls (`render`), and wires both into a
python-telegram-bot `Application` (`application`) that runs inside the web app (webhook,
lotse/web/routers/telegram.py) or on its own (`lotse telegram --polling`, `cli`).
"""
