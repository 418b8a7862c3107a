-- Transactional mail (confirmations, notices) waiting to go out. A web request only adds a row;
-- delivery workers on any instance claim due rows with FOR UPDATE SKIP LOCKED, send them and record
-- the outcome here. Digest delivery drains this table first, so these mails go out ahead of digests.

CREATE TABLE outbox (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text        NOT NULL,   -- what the mail is ('confirmation', 'already-subscribed', …)
    -- Deleting a subscriber's data deletes their mail too.
    subscriber_id   bigint      REFERENCES subscribers (id) ON DELETE CASCADE,
    -- Sent only if the subscriber still has one of these statuses at send time (an unsubscribe in
    -- between cancels it); ignored for mail that concerns no subscriber.
    send_if_status  text[]      NOT NULL,
    -- The rendered message (it may hold a single-use token that exists nowhere else); erased as soon
    -- as the outcome is final.
    message         jsonb,
    state           text        NOT NULL DEFAULT 'queued'
                                CHECK (state IN ('queued', 'sent', 'failed', 'unknown', 'cancelled')),
    attempts        integer     NOT NULL DEFAULT 0,
    -- When a worker may claim the row. A claim pushes it out by the lease, so the rows of a worker
    -- that died come due again by themselves.
    due_at          timestamptz NOT NULL,
    claimed_by      uuid,       -- the claim (one worker's batch) that holds the row
    created_at      timestamptz NOT NULL,
    finished_at     timestamptz,
    last_outcome    text,       -- the last attempt's DeliveryOutcome
    detail          text,       -- the relay's last reply or the error
    CHECK ((state = 'queued') = (message IS NOT NULL))
);

CREATE INDEX outbox_due_idx ON outbox (due_at, id) WHERE state = 'queued';  -- the claim's order, read not sorted
CREATE INDEX outbox_subscriber_idx ON outbox (subscriber_id);
CREATE INDEX outbox_finished_idx ON outbox (finished_at) WHERE state <> 'queued';
