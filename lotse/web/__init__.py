"""The web app: public chat API, chat page and health check."""
