"""The administration pages, for administrators only: teams and who is in them, users with
their roles and access, agency leads, sign-off reviewers, the contributor directory and API
keys. They never show a child
or advice (an administrator reads those only if they also hold a case role, on the staff pages).

- ``home``: the administration home, with counts;
- ``teams``: teams, their members, adding and removing one;
- ``users``: everyone, an agency lead's agency, deactivating and reactivating;
- ``contacts``: agency leads and sign-off reviewers;
- ``directory``: the contributor directory's services, their leads, and its CSV import;
- ``keys``: API keys, created (shown once) and revoked.

Its own blueprint under ``/admin``, behind the same policy check and navigation as the staff
pages (``web.staff.authorize_staff_page``, ``staff_navigation``): one implementation of each.
The domain is ``accounts`` (and ``requests.sign_off``, ``directory``); views parse, call it,
commit, redirect.
"""

from __future__ import annotations

from advice_hub.web.admin import contacts, directory, home, keys, teams, users
from advice_hub.web.admin.blueprint import bp
from advice_hub.web.staff import authorize_staff_page, staff_navigation

bp.before_request(authorize_staff_page)
bp.context_processor(staff_navigation)

__all__ = ["bp", "contacts", "directory", "home", "keys", "teams", "users"]
