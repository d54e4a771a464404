"""Who a member of staff is, from the ID token Entra ID (or the OpenID provider ENTRA_AUTHORITY)
gave at sign-in: keyed by the token's tenant and object id, never by email; name and email
refreshed at each sign-in; roles from the app roles in the `roles` claim.

Its functions change the session they are given and never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from advice_hub.accounts.staff_sessions import end_all_staff_sessions
from advice_hub.models import User
from advice_hub.sealing.audit import record_event

# The app roles of advice_hub's app registration, and the role each is here, in the order the
# first one held becomes the user's `role`.
APP_ROLES = {
    "CaseOfficer": "case_officer",
    "TeamManager": "manager",
    "AgencyLead": "agency_lead",
    "Auditor": "auditor",
    "Admin": "admin",
}
ROLE_ORDER = list(APP_ROLES.values())


class SignInRefused(Exception):
    """A sign-in that must not let anyone in; `reason` is for the audit log, the message for
    the person."""

    def __init__(self, reason: str, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status = status


def roles_from_claims(claims: Mapping[str, Any]) -> list[str]:
    """Our roles among the token's app roles, in ROLE_ORDER; others are ignored."""
    given = claims.get("roles")
    held = {APP_ROLES[r] for r in given if r in APP_ROLES} if isinstance(given, list) else set()
    return [role for role in ROLE_ORDER if role in held]


def _text_claim(claims: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = claims.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def record_refusal(
    session: Session,
    refused: SignInRefused,
    *,
    now: datetime,
    claims: Mapping[str, Any] | None = None,
) -> None:
    """Audit a sign-in that let nobody in (never the token itself). A person refused for
    holding no role of ours loses the roles they had and every session they still have."""
    who: dict[str, Any] = {}
    if claims:
        who = {
            "tenant_id": _text_claim(claims, "tid"),
            "object_id": _text_claim(claims, "oid"),
            "email": _text_claim(claims, "email", "preferred_username"),
        }
    if refused.reason == "no_role" and who.get("object_id"):
        user = session.scalar(
            select(User).where(
                User.tenant_id == who["tenant_id"], User.object_id == who["object_id"]
            )
        )
        if user is not None:
            user.roles = []
            end_all_staff_sessions(session, user, now=now, reason="no_role")
    record_event(
        session,
        actor="anonymous",
        action="staff.sign_in_refused",
        now=now,
        reason=refused.reason,
        **who,
    )


def staff_user_from_claims(
    session: Session, claims: Mapping[str, Any], *, tenant_id: str, now: datetime
) -> User:
    """The user these checked ID token claims are, made or refreshed.

    Raises SignInRefused when the token is from another tenant, lacks who it is, or carries no
    role of ours (`record_refusal` then ends any session the person still has).
    """
    tid = _text_claim(claims, "tid")
    oid = _text_claim(claims, "oid")
    if tid is None or oid is None:
        raise SignInRefused(
            "no_identity", "Your account's sign-in did not say who you are. Try again."
        )
    if tid != tenant_id:
        raise SignInRefused(
            "wrong_tenant",
            "You signed in with an account from another organisation. Sign in with your "
            "council account.",
            status=403,
        )
    email = _text_claim(claims, "email", "preferred_username")
    name = _text_claim(claims, "name") or email
    user = session.scalar(select(User).where(User.tenant_id == tid, User.object_id == oid))
    if email is None or name is None:
        raise SignInRefused(
            "no_email",
            "Your account has no email address. Ask your council's administrator to add one.",
            status=403,
        )
    roles = roles_from_claims(claims)
    if not roles:
        raise SignInRefused(
            "no_role",
            "Ask your council's administrator to give you access to advice_hub.",
            status=403,
        )
    # Ignoring case: an address made by `users add` is lower-cased, a token may capitalise it.
    holder = session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if user is None:
        if holder is not None and holder.object_id is None:
            user = holder  # a user made before Entra sign-in, now given their identity
            user.tenant_id, user.object_id = tid, oid
        elif holder is not None:
            raise SignInRefused(
                "email_taken",
                "Another account in advice_hub already has your email address. Ask your "
                "council's administrator to sort this out.",
                status=403,
            )
        else:
            user = User(tenant_id=tid, object_id=oid, email=email, name=name, role=roles[0])
            session.add(user)
    elif holder is not None and holder is not user:
        raise SignInRefused(
            "email_taken",
            "Another account in advice_hub already has your email address. Ask your "
            "council's administrator to sort this out.",
            status=403,
        )
    if user.deactivated_at is not None:
        raise SignInRefused(
            "deactivated",
            "Your access to advice_hub has been turned off. If you still need it, ask your "
            "council's advice_hub administrator to turn it back on.",
            status=403,
        )
    user.email, user.name = email, name
    user.role, user.roles = roles[0], roles
    session.flush()
    return user
