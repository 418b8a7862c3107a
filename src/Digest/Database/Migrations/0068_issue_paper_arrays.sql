-- Issues planned from now on list their papers in two arrays instead of papers jsonb: paper_ids
-- (ranked) and, beside each, the topics it matched as the subscriber wrote them, one a line (the
-- topic form's own syntax, so a topic never holds a line break). The jsonb took PostgreSQL ~35–40%
-- of writing an issue (parsing ~950 bytes of text into jsonb), and its ~1 KB was copied again by
-- the claim and by the recorded outcome, which are not HOT updates; the arrays are under half the
-- size and are read and written in binary. Nothing read papers as jsonb but the empty check.
--
-- Issues planned before keep papers as it was: changing its type would rewrite the table (never
-- purged: ~1 KB a subscriber a day) under an exclusive lock. A row has one or the other; every
-- statement here is a catalog change. The new check is NOT VALID, so adding it does not scan the
-- table under that lock: the rows already there hold papers and no arrays, which it allows, and
-- it is enforced on every row written or updated from now on.

ALTER TABLE digest_issues
    ADD COLUMN paper_ids text[],
    ADD COLUMN paper_topics text[],
    ALTER COLUMN papers DROP NOT NULL,
    DROP CONSTRAINT digest_issues_check,
    ADD CONSTRAINT digest_issues_listing_check CHECK (CASE
        WHEN papers IS NULL THEN paper_ids IS NOT NULL AND paper_topics IS NOT NULL
                                 AND cardinality(paper_ids) = cardinality(paper_topics)
                                 AND (state = 'empty') = (cardinality(paper_ids) = 0)
        ELSE paper_ids IS NULL AND paper_topics IS NULL AND (state = 'empty') = (jsonb_array_length(papers) = 0)
    END) NOT VALID;

-- An issue's papers in papers' former shape, [{"id": "2509.01234", "topics": ["rlhf"]}, …], however
-- the issue keeps them: for an operator's queries and the tests' comparisons, not for delivery.
CREATE FUNCTION issue_papers(issue digest_issues) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(issue.papers, (
        SELECT coalesce(jsonb_agg(jsonb_build_object('id', p.id, 'topics', coalesce(to_jsonb(string_to_array(nullif(p.topics, ''), E'\n')), '[]'::jsonb))
                                  ORDER BY p.n), '[]'::jsonb)
        FROM unnest(issue.paper_ids, issue.paper_topics) WITH ORDINALITY AS p(id, topics, n)))
$$;
