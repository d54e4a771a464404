"""Who may act besides contributors: the API keys of council case-management systems (and,
as staff sign-in grows, staff users and their roles).

Its functions change the session they are given and never commit.
"""
