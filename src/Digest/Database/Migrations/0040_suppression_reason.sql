-- Why and when an address was suppressed, so an operator can judge it and lift it. Set together
-- with status = 'suppressed' (a recipient's own hard bounces, a complaint); cleared when the
-- address subscribes again and confirms, or an operator lifts it.
ALTER TABLE subscribers
    ADD COLUMN suppressed_at     timestamptz,
    ADD COLUMN suppressed_reason text;

-- Suppressions before this migration had no recorded reason: say so rather than leave it empty.
UPDATE subscribers
SET suppressed_at = updated_at, suppressed_reason = 'repeated hard failures (recorded before reasons were kept)'
WHERE status = 'suppressed';
