-- Double opt-in: one row per confirmation link mailed. The link carries a selector (to find the
-- row) and a verifier (compared in constant time with the stored hash); the raw verifier is never
-- stored. A row is deleted when used, so a link works once.

CREATE TABLE confirmations (
    selector       bytea       PRIMARY KEY CHECK (length(selector) = 12),
    verifier_hash  bytea       NOT NULL CHECK (length(verifier_hash) = 32),  -- SHA-256 of the verifier
    subscriber_id  bigint      NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL
);

CREATE INDEX confirmations_subscriber_idx ON confirmations (subscriber_id);
CREATE INDEX confirmations_expires_at_idx ON confirmations (expires_at);
