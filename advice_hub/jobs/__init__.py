"""Work outside web requests: the dramatiq broker (``broker``) and actors (``actors``), the
sending of each email (``delivery``), the clock that sweeps, relays and signs checkpoints
(``clock``), and the worker process's entry point (``worker``). Each actor run and each
clock step is one transaction (``advice_hub.transactions``).
"""
