"""Chasing advice requests against the 6-week deadline, in one place.

- ``policy`` (with ``chase_policy.toml``) and ``planner``: when reminders, chases and
  escalations are due, per agency; pure code over plain data, re-exported here;
- ``sweep``: the clock's sweep, which gathers each open request's facts and queues what is due;
- ``control``: a case officer's "chase now", and calling off chases no longer wanted;
- ``state``: whether a request is still chased, or paused by a reg 8(2) exception;
- ``digests``: each case officer's daily digest.

Its functions change the session they are given and never commit.
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
