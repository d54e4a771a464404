"""Entry point for `dramatiq advice_hub.worker`: builds the app so actors reach its services."""

from advice_hub import create_app

app = create_app()
