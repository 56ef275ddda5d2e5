"""Routers of the web app."""
