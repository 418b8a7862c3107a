-- One digest issue per subscriber and period: the planner's record of what a subscriber gets (or
-- that nothing matched), and the delivery workers' durable queue. Unique per (subscriber, period),
-- so planning twice, on two instances or after a crash, never makes a second issue.

CREATE TABLE digest_issues (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscriber_id   bigint      NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    -- The subscriber's local date of the delivery this issue is for (weekly: that week's weekday).
    period          date        NOT NULL,
    -- The papers Digest first saw in (window_start, window_end]. The next issue starts where this
    -- one ended, so a paper is offered to a subscriber in exactly one issue: never twice, and a
    -- paper that arrived late (a missed day filled in) is still offered once.
    window_start    timestamptz NOT NULL,
    window_end      timestamptz NOT NULL,
    -- Ranked: [{"id": "2509.01234", "topics": ["rlhf", "diffusion"]}, …] — the topics as the
    -- subscriber wrote them when planned (a topic may be deleted before the mail goes out).
    papers          jsonb       NOT NULL,
    -- empty: nothing matched, no mail. queued: waiting for (another) attempt. The rest are final.
    state           text        NOT NULL CHECK (state IN ('empty', 'queued', 'sent', 'failed', 'unknown', 'expired', 'cancelled')),
    attempts        integer     NOT NULL DEFAULT 0,
    -- When a worker may claim it. A claim pushes it out by the lease, so a dead worker's issues
    -- come due again by themselves.
    due_at          timestamptz NOT NULL,
    claimed_by      uuid,
    -- A connection lost after the final dot leaves the outcome unknown: resent once, with the same
    -- Message-ID so receivers can drop the duplicate; a second unknown is final.
    unknown_resent  boolean     NOT NULL DEFAULT false,
    planned_at      timestamptz NOT NULL,
    finished_at     timestamptz,
    last_outcome    text,
    detail          text,
    CHECK ((state = 'empty') = (jsonb_array_length(papers) = 0)),
    CONSTRAINT digest_issues_period_key UNIQUE (subscriber_id, period)
);

-- The delivery claim reads the oldest due issues in (due_at, id) order. On due_at alone that order
-- needs a sort of every due issue on each claim: a plan gives a whole run's issues one due_at, so
-- at 1M subscribers each claim of 200 would sort ~1M rows instead of reading 200.
CREATE INDEX digest_issues_due_idx ON digest_issues (due_at, id) WHERE state = 'queued';
-- No other index: the planner writes a row per subscriber per day, and each index is paid on
-- every write. The planner finds a subscriber's latest issue (where the next window starts) by
-- reading digest_issues_period_key backwards; the stats verb reads a day's issues sequentially.

-- Consecutive hard failures (5xx) of digests to this address; a delivery resets it. At
-- Digests:SuppressAfterHardFailures the subscriber becomes 'suppressed' and gets nothing more.
ALTER TABLE subscribers ADD COLUMN hard_failures integer NOT NULL DEFAULT 0;
