-- People who asked for the digest, and when and how often they want it.

CREATE TABLE subscribers (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Normalised by the application (MailboxAddress: trimmed, domain in lower-case ASCII).
    email            text        NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    status           text        NOT NULL CHECK (status IN ('pending', 'active', 'paused', 'unsubscribed', 'suppressed')),
    frequency        text        NOT NULL CHECK (frequency IN ('daily', 'weekly')),
    weekday          smallint    CHECK (weekday BETWEEN 0 AND 6),         -- 0 = Sunday; weekly subscribers only
    delivery_hour    smallint    NOT NULL CHECK (delivery_hour BETWEEN 0 AND 23),  -- local hour in time_zone
    time_zone        text        NOT NULL,                                 -- IANA name, checked by the application
    -- Mixed into every manage/unsubscribe/view link's MAC: bumping it revokes all the links sent so far.
    link_generation  integer     NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    confirmed_at     timestamptz,
    paused_at        timestamptz,
    unsubscribed_at  timestamptz,
    -- When the subscribe form last caused a mail to this address (a confirmation or an "already
    -- subscribed" notice): at most one per Subscriptions:AddressMailWindow, across all instances.
    form_mailed_at   timestamptz,
    CHECK ((frequency = 'weekly') = (weekday IS NOT NULL))
);

-- One row per mailbox whatever the letter case: otherwise Ada@x.org and ADA@x.org would be two
-- subscriptions (and two mail allowances) for the same person.
CREATE UNIQUE INDEX subscribers_email_key ON subscribers (lower(email));

-- The planner's access path: active subscribers by zone and local delivery hour.
CREATE INDEX subscribers_delivery_idx ON subscribers (time_zone, delivery_hour)
    INCLUDE (frequency, weekday) WHERE status = 'active';

-- Housekeeping finds stale sign-ups without reading the active subscribers.
CREATE INDEX subscribers_pending_idx ON subscribers (created_at) WHERE status = 'pending';
