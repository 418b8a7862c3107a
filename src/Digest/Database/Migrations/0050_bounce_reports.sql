-- Every message read from the bounce mailbox, once, with what it came to. The same report fetched
-- again (a copy delivered twice, a crash between acting on it and flagging it) finds its key here
-- and changes nothing more. Also the day's figures of the stats verb.

CREATE TABLE bounce_reports (
    -- 'id:' and the report's Message-ID; 'sha256:' and the hash of its bytes when it has none.
    report_key     text        PRIMARY KEY,
    outcome        text        NOT NULL CHECK (outcome IN (
                       'hard-bounce', 'soft-bounce', 'delayed', 'complaint', 'auto-reply',
                       'unparsed', 'unknown-token', 'unmatched', 'ignored')),
    -- Who it was about, when it named someone (kept when they are deleted: the figures stay).
    subscriber_id  bigint      REFERENCES subscribers (id) ON DELETE SET NULL,
    -- The digest issue it was about, if it named one (no reference: issues go with their subscriber).
    issue_id       bigint,
    status         text,       -- the RFC 3463 code of the recipient that decided the outcome
    -- What the report said, or why it could not be read; the reason a complaint unsubscribed someone.
    detail         text,
    received_at    timestamptz NOT NULL
);

CREATE INDEX bounce_reports_received_idx ON bounce_reports (received_at);
