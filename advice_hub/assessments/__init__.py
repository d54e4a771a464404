"""Assessments: recording one and the decision to assess (``recording``), what a case officer
does to its requests (``request_actions``) and to the assessment as a whole
(``assessment_actions``), the checks both make first (``checks``), which dates cannot be true
(``dates``), the law's guard-rails that warn without blocking (``guard_rails``) and going
ahead despite one with the reason (``confirmations``), the council's milestones of stored
assessments (``milestones``), who contributors contact (``contact``), the timeline read from
the audit log (``timeline``) and the section K appendix (``appendix``).

Like every domain package, its functions change the session they are given and never commit:
``advice_hub.transactions`` is where the caller's transaction begins and ends.
"""
