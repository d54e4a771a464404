"""Sealed advice and the ledger that proves it unchanged: the seal chain (``seals``), the
author's addenda (``addenda``), the append-only audit log (``audit``), both hash chains and
their verification (``ledger``) and signed checkpoints of their heads (``checkpoints``).

Its functions change the session they are given and never commit.
"""
