using Dapper;
using Digest.Database;
using Digest.Papers;
using Digest.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Digest.Tests.Papers.Harness;

/// <summary>
/// The papers feature as the service wires it (AddDatabase + AddPapers), on a fresh database, with
/// the test's clock, every log line kept, and the remote sources pointed at a loopback
/// <see cref="FeedServer"/>. Resilience settings are shortened so no test waits for seconds.
/// </summary>
public sealed class PapersHost : IAsyncDisposable
{
    /// <summary>Monday 2025-09-08, 10:00 UTC: "today" for the fixtures (09-06 and 09-07 are the weekend).</summary>
    public static readonly DateTimeOffset Monday = Fixtures.Utc("2025-09-08T10:00:00Z");

    /// <summary>A day after the newest demo paper (2025-12-02): papers dated after tomorrow are refused.</summary>
    public static readonly DateTimeOffset AfterTheDemo = Fixtures.Utc("2026-01-05T09:00:00Z");

    readonly IHost _host;

    PapersHost(IHost host, ManualClock clock, LogCapture logs, string connectionString)
    {
        _host = host;
        Clock = clock;
        Logs = logs;
        ConnectionString = connectionString;
    }

    public ManualClock Clock { get; }
    public LogCapture Logs { get; }
    public string ConnectionString { get; }
    public IServiceProvider Services => _host.Services;
    public NpgsqlDataSource DataSource => Services.GetRequiredService<NpgsqlDataSource>();

    /// <param name="feeds">Where Hugging Face and arXiv are; without it both are off.</param>
    /// <param name="settings">Configuration over the test defaults.</param>
    /// <param name="connectionString">An existing database (a second host on the same data); default a fresh one.</param>
    public static async Task<PapersHost> StartAsync(FeedServer? feeds = null, IReadOnlyDictionary<string, string?>? settings = null,
        DateTimeOffset? now = null, string? connectionString = null)
    {
        connectionString ??= await TestPostgres.CreateDatabaseAsync();
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = connectionString,
            ["Papers:Offline"] = "false",
            ["Papers:Demo"] = "Never",
            ["Papers:HuggingFace:Enabled"] = feeds is null ? "false" : "true",
            ["Papers:HuggingFace:BaseUrl"] = feeds?.BaseUrl.ToString(),
            ["Papers:Arxiv:Enabled"] = feeds is null ? "false" : "true",
            ["Papers:Arxiv:BaseUrl"] = feeds?.BaseUrl.ToString(),
            ["Papers:Arxiv:Categories:0"] = "cs.CL",
            ["Papers:Arxiv:Categories:1"] = "cs.LG",
            ["Papers:Arxiv:PageSize"] = "2",
            ["Papers:Arxiv:RequestInterval"] = "00:00:00",
            ["Papers:Http:AttemptTimeout"] = "00:00:02",
            ["Papers:Http:TotalTimeout"] = "00:00:30",
            ["Papers:Http:RetryDelay"] = "00:00:00.010",
            ["Papers:Http:MaxRetries"] = "3",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            configuration[key] = value;

        var clock = new ManualClock(now ?? Monday);
        var logs = new LogCapture();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        builder.AddDatabase();
        builder.AddPapers();
        return new PapersHost(builder.Build(), clock, logs, connectionString);
    }

    public Task<IngestReport> IngestAsync(params string[] sources) => IngestAsync(new IngestRequest(sources, []));

    public Task<IngestReport> IngestAsync(IngestRequest request) =>
        Services.GetRequiredService<PaperIngest>().RunAsync(request);

    public async Task<List<PaperRow>> PapersAsync()
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<PaperRow>("SELECT * FROM papers ORDER BY id")).ToList();
    }

    public async Task<PaperRow> PaperAsync(string id) => (await PapersAsync()).Single(p => p.Id == id);

    public async ValueTask DisposeAsync()
    {
        if (_host is IAsyncDisposable disposable)
            await disposable.DisposeAsync();
        else
            _host.Dispose();
    }
}

/// <summary>A row of <c>papers</c> as stored (the generated search vector left out).</summary>
public sealed record PaperRow
{
    public required string Id { get; init; }
    public required string Title { get; init; }
    public required string Abstract { get; init; }
    public required string[] Authors { get; init; }
    public required string[] Categories { get; init; }
    public required string[] Keywords { get; init; }
    public string? PageUrl { get; init; }
    public string? PdfUrl { get; init; }
    public string? CodeUrl { get; init; }
    public DateTime? PublishedOn { get; init; }
    public DateTime ListedAt { get; init; }
    public int Upvotes { get; init; }
    public required string[] Sources { get; init; }
    public DateTime FirstSeenAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    public short MetadataAuthority { get; init; }

    /// <summary>Every column, to compare rows across runs (arrays compare by reference in a record).</summary>
    public string Everything => $"{Content}|{Upvotes}|{UpdatedAt:O}";

    /// <summary>
    /// Everything but first_seen_at, to compare two runs on two databases: first_seen_at is the
    /// database's own clock when the row was stored (see PaperStore), which no two runs share.
    /// </summary>
    public string AcrossRuns => Everything.Replace($"|{FirstSeenAt:O}|", "|", StringComparison.Ordinal);

    /// <summary>Everything but the upvotes and updated_at.</summary>
    public string Content => string.Join("|", Id, Title, Abstract, string.Join(";", Authors), string.Join(";", Categories),
        string.Join(";", Keywords), PageUrl, PdfUrl, CodeUrl, PublishedOn, ListedAt.ToString("O"), string.Join(";", Sources),
        FirstSeenAt.ToString("O"), MetadataAuthority);
}
