"""Entry point for `dramatiq advice_hub.jobs.worker`: builds the app, so that the actors
reach its services."""

from advice_hub import create_app

app = create_app()
