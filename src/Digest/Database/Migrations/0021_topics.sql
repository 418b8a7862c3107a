-- Topic filters, stored once however many subscribers share one: the planner evaluates each
-- distinct topic once per run, not once per subscriber.

CREATE TABLE topics (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Web-search syntax (words, "phrases", or, -exclusions), lower-cased with single spaces.
    query           text        NOT NULL CHECK (length(query) BETWEEN 1 AND 200),
    author          text        CHECK (length(author) BETWEEN 1 AND 100),  -- lower-cased; matches any author name containing it
    category        text        CHECK (length(category) BETWEEN 1 AND 20), -- an arXiv category, e.g. cs.CL
    min_upvotes     integer     NOT NULL DEFAULT 0 CHECK (min_upvotes >= 0),
    search_query    tsquery     GENERATED ALWAYS AS (websearch_to_tsquery('english'::regconfig, query)) STORED,
    created_at      timestamptz NOT NULL,
    -- Set whenever a subscriber picks the topic; housekeeping deletes topics nobody has picked for a
    -- day, so a topic being picked right now is never deleted under the subscriber's feet.
    last_chosen_at  timestamptz NOT NULL,
    CONSTRAINT topics_filter_key UNIQUE NULLS NOT DISTINCT (query, author, category, min_upvotes)
);

CREATE TABLE subscriber_topics (
    subscriber_id  bigint   NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    topic_id       bigint   NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    position       smallint NOT NULL CHECK (position BETWEEN 0 AND 9),  -- the order the subscriber wrote them in
    PRIMARY KEY (subscriber_id, position),
    UNIQUE (subscriber_id, topic_id)
);

-- From a matching topic to the subscribers who chose it.
CREATE INDEX subscriber_topics_topic_idx ON subscriber_topics (topic_id);

-- What "a paper matches a topic" means, in one place for the live preview and the digest planner.
-- One plain expression (no subquery), so that PostgreSQL inlines it into the caller's query and can
-- use papers_search_idx for the @@. The author test looks for the (lower-cased) name fragment in the
-- authors joined by a unit separator, a character no name and no filter can contain.
CREATE FUNCTION paper_matches_topic(paper papers, query tsquery, author text, category text, min_upvotes integer)
    RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN paper.search @@ query
       AND paper.upvotes >= min_upvotes
       AND (category IS NULL OR category = ANY (paper.categories))
       AND (author IS NULL OR strpos(lower(array_to_string(paper.authors, E'\x1f')), author) > 0);
