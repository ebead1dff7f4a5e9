"""What staff do: sign in, support, staff access, the audit log, tracking
and hand-over letters."""
