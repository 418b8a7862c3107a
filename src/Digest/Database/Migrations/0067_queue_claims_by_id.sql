-- A claim's renewal and release now find its rows by their ids (the batch knows them), so the
-- index by claim goes: it cost every claim and every recorded outcome an index entry, and the
-- planner answered the last-moment check through it and the due index's whole range of leased
-- rows instead of the ids' primary-key lookups.
DROP INDEX digest_issues_claim_idx;
DROP INDEX outbox_claim_idx;
