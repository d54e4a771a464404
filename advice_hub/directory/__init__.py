"""The contributor directory: the organisations and services each agency gives advice through
(a school, a health single point of access, a children's disability team), each with its
default contact, its leads for escalation and its sign-off reviewer.

- ``services``: add, edit, retire and reinstate a service, add and remove its leads, each
  checked and audited;
- ``csv_import``: many services with their leads from one CSV file, all or nothing;
- ``routing``: whom a request picked from a service escalates to, and the service picked when
  an assessment is recorded.

Its functions change the session they are given and never commit.
"""
