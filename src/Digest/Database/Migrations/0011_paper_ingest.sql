-- What ingestion needs beside the papers themselves.

-- Two sources can describe one paper differently (Hugging Face and arXiv titles, say). A row keeps
-- the text of the most authoritative source that has listed it, so that ingesting both again changes
-- nothing instead of flipping between their versions. Higher wins; equal may update (arXiv v1 -> v2).
ALTER TABLE papers ADD COLUMN metadata_authority smallint NOT NULL DEFAULT 0;

-- The days a day-by-day feed (Hugging Face daily papers) has been walked completely, so that a run
-- fetches today plus the days it has not yet seen rather than the whole look-back window each time.
CREATE TABLE paper_feed_days (
    source      text        NOT NULL,
    day         date        NOT NULL,
    walked_at   timestamptz NOT NULL,   -- the last complete walk of that day
    papers      integer     NOT NULL,   -- items the feed listed for it then
    PRIMARY KEY (source, day)
);
