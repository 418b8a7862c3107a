-- Each paper source's last ingest, for the operator console: when it ran, what it found, and when
-- it last read anything without an error. One row per source, replaced by every run.

CREATE TABLE paper_ingest_runs (
    source           text        PRIMARY KEY,
    finished_at      timestamptz NOT NULL,
    fetched          integer     NOT NULL,
    new              integer     NOT NULL,
    updated          integer     NOT NULL,
    rejected         integer     NOT NULL,
    errors           integer     NOT NULL,
    first_error      text,                    -- the first of them, as the log has it
    last_success_at  timestamptz              -- the last run without an error
);
