"""The domain layer: verb-phrase functions that views, actors and the CLI call.

Functions here take an open session and never commit; the caller owns the transaction.
"""
