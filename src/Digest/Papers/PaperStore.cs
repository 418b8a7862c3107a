using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Digest.Papers;

/// <summary>
/// Writes papers in bulk: each chunk is copied (binary COPY) into a temporary table and merged into
/// <c>papers</c> by one statement that inserts the new rows and updates the changed ones. A row that
/// would not change is not touched, so ingesting the same papers again changes nothing,
/// <c>updated_at</c> included.
/// </summary>
/// <remarks>
/// Not INSERT … ON CONFLICT DO UPDATE: PostgreSQL computes the proposed row's generated search
/// vector before it finds the conflict, which made re-ingesting 10,000 unchanged papers cost as
/// much stemming as inserting them. Updating only what changed skips that.
/// </remarks>
public sealed class PaperStore(NpgsqlDataSource dataSource)
{
    const int ChunkSize = 2_000;

    // Any fixed key shared by every instance. Writers take turns, so that a merge never reads a row
    // that another ingest (the job on another instance, the CLI) is changing at the same moment.
    // The digest planner takes it too, to read the clock that ends its window (see DigestPlanner).
    internal const long WriteLock = 0x44_69_67_65_73_74_02; // "Digest" + 2

    /// <param name="authority">The source's <see cref="IPaperSource.Authority"/>: whose text a row keeps.</param>
    public async Task<StoreOutcome> UpsertAsync(IReadOnlyList<Paper> papers, string source, int authority, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var outcome = new StoreOutcome(0, 0);
        foreach (var chunk in papers.Chunk(ChunkSize))
            outcome += await UpsertChunkAsync(chunk, source, authority, now.ToUniversalTime(), cancellationToken);
        return outcome;
    }

    async Task<StoreOutcome> UpsertChunkAsync(Paper[] papers, string source, int authority, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(PrepareSql, new { Lock = WriteLock }, transaction, cancellationToken: cancellationToken));
        await using (var import = await connection.BeginBinaryImportAsync(CopySql, cancellationToken))
        {
            foreach (var paper in papers)
                await WriteRowAsync(import, paper, cancellationToken);
            await import.CompleteAsync(cancellationToken);
        }
        var rows = (await connection.QueryAsync<bool>(new CommandDefinition(MergeSql,
            new { Source = source, Authority = (short)authority, Now = now }, transaction, cancellationToken: cancellationToken))).ToList();
        await transaction.CommitAsync(cancellationToken);
        var inserted = rows.Count(isNew => isNew);
        return new StoreOutcome(inserted, rows.Count - inserted);
    }

    static async Task WriteRowAsync(NpgsqlBinaryImporter import, Paper paper, CancellationToken cancellationToken)
    {
        await import.StartRowAsync(cancellationToken);
        await import.WriteAsync(paper.Id, NpgsqlDbType.Text, cancellationToken);
        await import.WriteAsync(paper.Title, NpgsqlDbType.Text, cancellationToken);
        await import.WriteAsync(paper.Abstract, NpgsqlDbType.Text, cancellationToken);
        await import.WriteAsync(paper.Authors.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken);
        await import.WriteAsync(paper.Categories.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken);
        await import.WriteAsync(paper.Keywords.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken);
        foreach (var url in (string?[])[paper.PageUrl, paper.PdfUrl, paper.CodeUrl])
            await WriteOrNullAsync(import, url, NpgsqlDbType.Text, cancellationToken);
        await WriteOrNullAsync(import, paper.PublishedOn, NpgsqlDbType.Date, cancellationToken);
        await import.WriteAsync(paper.ListedAt, NpgsqlDbType.TimestampTz, cancellationToken);
        await WriteOrNullAsync(import, paper.Upvotes, NpgsqlDbType.Integer, cancellationToken);
    }

    static Task WriteOrNullAsync<T>(NpgsqlBinaryImporter import, T? value, NpgsqlDbType type, CancellationToken cancellationToken) =>
        value is null ? import.WriteNullAsync(cancellationToken) : import.WriteAsync(value, type, cancellationToken);

    const string PrepareSql = """
        SELECT pg_advisory_xact_lock(@Lock);
        CREATE TEMP TABLE incoming_papers (
            id text, title text, abstract text, authors text[], categories text[], keywords text[],
            page_url text, pdf_url text, code_url text, published_on date, listed_at timestamptz, upvotes integer
        ) ON COMMIT DROP;
        """;

    const string CopySql = """
        COPY incoming_papers (id, title, abstract, authors, categories, keywords, page_url, pdf_url, code_url, published_on, listed_at, upvotes)
        FROM STDIN (FORMAT BINARY)
        """;

    // Per field: the incoming value when it says something and the source may speak (at least the
    // authority of the text already stored, or nothing stored yet); otherwise what is stored. Dates
    // keep the earliest, sources accumulate. Upvotes only grow: a listing read earlier (yesterday's
    // page lists a paper with yesterday's count) must not lower them, or two listings of one paper
    // would flip the row on every run.
    const string MergeSql = """
        WITH merged AS (
            SELECT i.id,
                   CASE WHEN w.wins THEN i.title ELSE old.title END AS title,
                   CASE WHEN i.abstract <> '' AND (w.wins OR old.abstract = '') THEN i.abstract ELSE coalesce(old.abstract, '') END AS abstract,
                   CASE WHEN cardinality(i.authors) > 0 AND (w.wins OR cardinality(old.authors) = 0) THEN i.authors ELSE coalesce(old.authors, '{}') END AS authors,
                   CASE WHEN cardinality(i.categories) > 0 AND (w.wins OR cardinality(old.categories) = 0) THEN i.categories ELSE coalesce(old.categories, '{}') END AS categories,
                   CASE WHEN cardinality(i.keywords) > 0 AND (w.wins OR cardinality(old.keywords) = 0) THEN i.keywords ELSE coalesce(old.keywords, '{}') END AS keywords,
                   CASE WHEN i.page_url IS NOT NULL AND (w.wins OR old.page_url IS NULL) THEN i.page_url ELSE old.page_url END AS page_url,
                   CASE WHEN i.pdf_url IS NOT NULL AND (w.wins OR old.pdf_url IS NULL) THEN i.pdf_url ELSE old.pdf_url END AS pdf_url,
                   CASE WHEN i.code_url IS NOT NULL AND (w.wins OR old.code_url IS NULL) THEN i.code_url ELSE old.code_url END AS code_url,
                   least(i.published_on, old.published_on) AS published_on,
                   least(i.listed_at, old.listed_at) AS listed_at,
                   greatest(i.upvotes, old.upvotes, 0) AS upvotes,
                   ARRAY(SELECT DISTINCT s FROM unnest(coalesce(old.sources, '{}') || @Source::text) AS s ORDER BY s) AS sources,
                   greatest(@Authority, old.metadata_authority) AS metadata_authority,
                   old.id IS NULL AS is_new
            FROM incoming_papers i
            LEFT JOIN papers old ON old.id = i.id
            CROSS JOIN LATERAL (SELECT old.id IS NULL OR @Authority >= old.metadata_authority AS wins) w
        ),
        updated AS (
            UPDATE papers SET
                title = m.title, abstract = m.abstract, authors = m.authors, categories = m.categories,
                keywords = m.keywords, page_url = m.page_url, pdf_url = m.pdf_url, code_url = m.code_url,
                published_on = m.published_on, listed_at = m.listed_at, upvotes = m.upvotes, sources = m.sources,
                metadata_authority = m.metadata_authority, updated_at = @Now
            FROM merged m
            WHERE papers.id = m.id AND NOT m.is_new
              AND (papers.title, papers.abstract, papers.authors, papers.categories, papers.keywords, papers.page_url,
                   papers.pdf_url, papers.code_url, papers.published_on, papers.listed_at, papers.upvotes, papers.sources,
                   papers.metadata_authority)
                  IS DISTINCT FROM
                  (m.title, m.abstract, m.authors, m.categories, m.keywords, m.page_url, m.pdf_url, m.code_url,
                   m.published_on, m.listed_at, m.upvotes, m.sources, m.metadata_authority)
            RETURNING false AS inserted
        ),
        inserted AS (
            -- The write lock means no other ingest can add these ids meanwhile; DO NOTHING only guards
            -- against a writer that does not take it. first_seen_at is the database's clock read
            -- under that lock, not the run's start: a digest window that ends before this commit
            -- then never ends after these papers' first_seen_at, so no paper falls between windows.
            INSERT INTO papers (id, title, abstract, authors, categories, keywords, page_url, pdf_url, code_url,
                                published_on, listed_at, upvotes, sources, metadata_authority, first_seen_at, updated_at)
            SELECT id, title, abstract, authors, categories, keywords, page_url, pdf_url, code_url,
                   published_on, listed_at, upvotes, sources, metadata_authority, clock_timestamp(), @Now
            FROM merged WHERE is_new
            ON CONFLICT (id) DO NOTHING
            RETURNING true AS inserted
        )
        SELECT inserted FROM updated
        UNION ALL
        SELECT inserted FROM inserted
        """;
}

/// <summary>How many rows a write inserted and how many it changed; the rest were already as given.</summary>
public readonly record struct StoreOutcome(int New, int Updated)
{
    public static StoreOutcome operator +(StoreOutcome a, StoreOutcome b) => new(a.New + b.New, a.Updated + b.Updated);
}
