"""Orders out to the ERP (Feed v3, or List Orders as a fallback) and invoices back to VTEX.

export.py    VTEX order documents -> rows of the outbox/orders file (pure), written atomically
ledger.py    which orders were exported and handled (exactly once, across crashes)
pull.py      feed -> export file -> start-handling -> commit, in that order
invoices.py  inbox/invoices rows -> invoice notifications and tracking updates
"""
