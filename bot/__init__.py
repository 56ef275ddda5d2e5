"""Lotse's Rasa project: domain, training data, custom actions and the input channel."""
