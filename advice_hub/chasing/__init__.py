"""Chasing advice requests: the per-agency policy and the planner of the next message.

Pure code over plain data; the clock's sweep and the outbox (elsewhere) do the sending.
"""

from advice_hub.chasing.planner import (
    CHASED_STATUSES,
    ChaseKind,
    PlannedMessage,
    Recipient,
    RequestFacts,
    plan_escalations,
    plan_messages,
    plan_next,
    simulate_request,
)
from advice_hub.chasing.policy import (
    DEFAULT_POLICY_FILE,
    AgencyPolicy,
    ChasePolicy,
    PolicyError,
    default_policy,
    load_policy,
)

__all__ = [
    "CHASED_STATUSES",
    "DEFAULT_POLICY_FILE",
    "AgencyPolicy",
    "ChaseKind",
    "ChasePolicy",
    "PlannedMessage",
    "PolicyError",
    "Recipient",
    "RequestFacts",
    "default_policy",
    "load_policy",
    "plan_escalations",
    "plan_messages",
    "plan_next",
    "simulate_request",
]
