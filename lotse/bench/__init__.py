"""The load benchmark: simulated people holding whole conversations with a real Lotse.

``lotse bench load`` (``make bench``) starts its own stack (Rasa, action server, web app) and a
stand-in for Telegram's Bot API, replays the scripted conversations of
``tests/data/conversations.yaml`` through ``POST /api/chat``, the Telegram webhook and Rasa's raw
REST channel at several concurrency levels and writes ``reports/bench-<date>.md``.
"""
