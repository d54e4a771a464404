"""Email, composed when it is sent: what each email about an advice request says
(``contributor_emails``, ``addendum_emails``), what staff emails say (``staff_emails``) and
the bookkeeping of sending each exactly once (``deliveries``). Messages are queued through
``advice_hub.outbox`` with the change that asks for them; the sending itself, which opens its
own transactions around the mail server's answer, is ``advice_hub.jobs.delivery``.

Its functions change the session they are given and never commit.
"""
