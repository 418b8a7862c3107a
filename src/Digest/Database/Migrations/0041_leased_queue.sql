-- Both delivery queues (digest_issues, outbox) now follow one protocol with one retry and give-up
-- policy (src/Subscriptions/Delivery): the outbox gains what the digest queue had (a connection
-- lost after the final dot is resent once; deferred mail expires), and both record whose fault a
-- failure was, which decides what it means: only 'recipient' counts toward suppression, and
-- 'sender' (a relay refusing the sender or its setup) keeps the mail queued.

ALTER TABLE digest_issues
    ADD COLUMN fault text CHECK (fault IN ('recipient', 'sender', 'message', 'transient'));

ALTER TABLE outbox
    ADD COLUMN fault text CHECK (fault IN ('recipient', 'sender', 'message', 'transient')),
    ADD COLUMN unknown_resent boolean NOT NULL DEFAULT false,
    DROP CONSTRAINT outbox_state_check,
    ADD CONSTRAINT outbox_state_check CHECK (state IN ('queued', 'sent', 'failed', 'unknown', 'expired', 'cancelled'));

-- A claim's renewal and release find its rows by claim.
CREATE INDEX digest_issues_claim_idx ON digest_issues (claimed_by) WHERE claimed_by IS NOT NULL;
CREATE INDEX outbox_claim_idx ON outbox (claimed_by) WHERE claimed_by IS NOT NULL;
