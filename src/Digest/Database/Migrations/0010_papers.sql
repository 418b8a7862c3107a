-- The papers every digest is made from: one row per paper, whichever sources listed it.

-- array_to_string is only STABLE (its element output functions could depend on settings), but for
-- text[] it cannot vary; a generated column needs an IMMUTABLE expression, so say so once here.
CREATE FUNCTION papers_keywords_text(keywords text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN array_to_string(keywords, ' ');

CREATE TABLE papers (
    -- The arXiv id without its version suffix ("2509.04664"), the key that dedupes across sources;
    -- papers without one get a local id derived from the title ("local-<hash>").
    id              text        PRIMARY KEY,
    title           text        NOT NULL,
    abstract        text        NOT NULL DEFAULT '',
    authors         text[]      NOT NULL DEFAULT '{}',   -- in the order the paper lists them
    categories      text[]      NOT NULL DEFAULT '{}',   -- arXiv categories, primary first
    keywords        text[]      NOT NULL DEFAULT '{}',   -- e.g. Hugging Face ai_keywords
    page_url        text,                                -- the paper's page (Hugging Face or arXiv)
    pdf_url         text,
    code_url        text,
    published_on    date,                                -- first version's date, when known
    listed_at       timestamptz NOT NULL,                -- when a source first listed it (HF submittedOnDailyAt, arXiv published)
    upvotes         integer     NOT NULL DEFAULT 0 CHECK (upvotes >= 0),
    sources         text[]      NOT NULL DEFAULT '{}',   -- which sources have listed it
    first_seen_at   timestamptz NOT NULL DEFAULT now(),  -- when this service first stored it
    updated_at      timestamptz NOT NULL DEFAULT now(),
    -- Title and keywords weigh more than the abstract when ranking matches.
    search          tsvector    GENERATED ALWAYS AS (
                        setweight(to_tsvector('english'::regconfig, title), 'A') ||
                        setweight(to_tsvector('english'::regconfig, papers_keywords_text(keywords)), 'A') ||
                        setweight(to_tsvector('english'::regconfig, abstract), 'B')
                    ) STORED
);

CREATE INDEX papers_search_idx ON papers USING gin (search);
CREATE INDEX papers_categories_idx ON papers USING gin (categories);
CREATE INDEX papers_first_seen_at_idx ON papers (first_seen_at);
CREATE INDEX papers_listed_at_idx ON papers (listed_at);
