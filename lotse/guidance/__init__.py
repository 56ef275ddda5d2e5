"""The guidance conversation's pure logic: facts from free text, countries, the result.

No Rasa imports: the actions in bot/actions/ call into this package.
"""
