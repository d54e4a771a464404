"""One advice request, from the contributor's side: the emailed link's token (``links``), the
draft saved as they go (``drafts``), attached files (``attachments``), what they can do
instead of advising (``alternatives``), submitting (``submission``), sealing what was
submitted (``seal``) and sign-off by a senior reviewer (``sign_off``).

Its functions change the session they are given and never commit.
"""
