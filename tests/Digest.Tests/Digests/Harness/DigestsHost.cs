using Digest.Subscriptions.Delivery;
using System.Text.Json;
using Dapper;
using Digest.Digests;
using Digest.TestSupport;
using Digest.Tests.Papers.Harness;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Digest.Tests.Digests.Harness;

/// <summary>
/// The service as it is composed (AddDigest: database, mailer, papers, templates, subscriptions,
/// digests) on a test database, built but not started: no web server, no schedules, no background
/// workers — the test runs the planner and the delivery itself, on its own clock. Mail goes to the
/// given SMTP server (smtp-sink, aiosmtpd) or, without one, a pickup folder.
/// </summary>
public sealed class DigestsHost : IAsyncDisposable
{
    readonly WebApplication _app;

    DigestsHost(WebApplication app, ManualClock clock, string connectionString)
    {
        _app = app;
        Clock = clock;
        ConnectionString = connectionString;
    }

    public ManualClock Clock { get; }
    public string ConnectionString { get; }
    public IServiceProvider Services => _app.Services;
    public NpgsqlDataSource DataSource => Services.GetRequiredService<NpgsqlDataSource>();
    public DigestPlanner Planner => Services.GetRequiredService<DigestPlanner>();
    public DigestDelivery Delivery => Services.GetRequiredService<DigestDelivery>();

    /// <param name="smtpPort">A loopback SMTP server to deliver to; without it, a pickup folder.</param>
    /// <param name="connectionString">An existing database (a second instance on the same data); default a fresh one.</param>
    public static async Task<DigestsHost> StartAsync(DateTimeOffset now, int? smtpPort = null,
        IReadOnlyDictionary<string, string?>? settings = null, string? connectionString = null)
    {
        connectionString ??= await TestPostgres.CreateDatabaseAsync();
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = connectionString,
            ["Papers:Offline"] = "true",
            ["Papers:Demo"] = "Never",
            ["Digest:PublicUrl"] = "https://digest.example.org/",
            ["Digest:From"] = "Digest <digest@digest.example.org>",
            ["Digests:RetryDelay"] = "00:01:00",
            ["Digests:MaxRetryDelay"] = "00:30:00",
            ["Mailer:PickupFolder"] = Path.Combine(Path.GetTempPath(), "digest-tests", Guid.NewGuid().ToString("N")),
        };
        if (smtpPort is { } port)
        {
            configuration["Mailer:Relays:0:Host"] = SmtpSink.Host;
            configuration["Mailer:Relays:0:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            configuration[key] = value;

        var clock = new ManualClock(now);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.AddDigest();
        builder.Services.AddSingleton<TimeProvider>(clock);
        return new DigestsHost(builder.Build(), clock, connectionString);
    }

    /// <summary>Delivers batch after batch until nothing is due at the clock's current time.</summary>
    public async Task<DeliveryReport> DeliverAllAsync()
    {
        var total = DeliveryReport.Nothing;
        while (true)
        {
            var batch = await Delivery.DeliverDueAsync();
            if (batch.Claimed == 0)
                return total;
            total += batch;
        }
    }

    /// <summary>An active subscriber with these topics (web-search syntax, plain queries), confirmed at <paramref name="confirmedAt"/>.</summary>
    public async Task<long> SubscribeAsync(string email, string[] topics, string timeZone = "UTC", int hour = 8,
        DateTimeOffset? confirmedAt = null, DayOfWeek? weekly = null, string status = "active")
    {
        const string Sql = """
            WITH s AS (
                INSERT INTO subscribers (email, status, frequency, weekday, delivery_hour, time_zone, created_at, updated_at, confirmed_at)
                VALUES (@Email, @Status, @Frequency, @Weekday, @Hour, @TimeZone, @Confirmed, @Confirmed, @Confirmed)
                RETURNING id),
            t AS (
                INSERT INTO topics (query, created_at, last_chosen_at)
                SELECT q, @Confirmed, @Confirmed FROM unnest(@Topics) AS q
                ON CONFLICT ON CONSTRAINT topics_filter_key DO UPDATE SET last_chosen_at = excluded.last_chosen_at
                RETURNING id, query)
            INSERT INTO subscriber_topics (subscriber_id, topic_id, position)
            SELECT s.id, t.id, (array_position(@Topics, t.query) - 1)::smallint FROM s, t
            RETURNING subscriber_id
            """;
        await using var connection = await DataSource.OpenConnectionAsync();
        var ids = await connection.QueryAsync<long>(Sql, new
        {
            Email = email,
            Status = status,
            Frequency = weekly is null ? "daily" : "weekly",
            Weekday = weekly is { } day ? (short?)day : null,
            Hour = (short)hour,
            TimeZone = timeZone,
            Confirmed = (confirmedAt ?? Clock.GetUtcNow() - TimeSpan.FromDays(30)).UtcDateTime,
            Topics = topics,
        });
        return ids.First();
    }

    /// <summary>The 84 demo papers (the seed papers), all first seen at <paramref name="firstSeenAt"/>; returns them by title.</summary>
    public async Task<IReadOnlyDictionary<string, string>> AddDemoPapersAsync(DateTimeOffset firstSeenAt)
    {
        using var feed = JsonDocument.Parse(await File.ReadAllTextAsync(Fixtures.DemoFile));
        var ids = new Dictionary<string, string>();
        foreach (var paper in feed.RootElement.GetProperty("papers").EnumerateArray())
        {
            var id = paper.GetProperty("id").GetString()!;
            var title = paper.GetProperty("title").GetString()!;
            await AddPaperAsync(id, title, paper.GetProperty("abstract").GetString()!,
                paper.TryGetProperty("upvotes", out var upvotes) && upvotes.ValueKind == JsonValueKind.Number ? upvotes.GetInt32() : 0, firstSeenAt);
            ids[title] = id;
        }
        return ids;
    }

    public async Task AddPaperAsync(string id, string title, string summary, int upvotes, DateTimeOffset firstSeenAt, string[]? authors = null)
    {
        const string Sql = """
            INSERT INTO papers (id, title, abstract, authors, upvotes, listed_at, first_seen_at, page_url)
            VALUES (@Id, @Title, @Summary, @Authors, @Upvotes, @Seen, @Seen, @PageUrl)
            """;
        await using var connection = await DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync(Sql, new
        {
            Id = id,
            Title = title,
            Summary = summary,
            Authors = authors ?? [],
            Upvotes = upvotes,
            Seen = firstSeenAt.UtcDateTime,
            PageUrl = $"https://papers.example.org/{id}",
        });
    }

    /// <summary>Every issue of a subscriber, oldest first: its period, state and the paper ids it lists.</summary>
    public async Task<IReadOnlyList<IssueRow>> IssuesAsync(long subscriberId)
    {
        const string Sql = """
            SELECT id AS Id, period AS Period, state AS State, issue_papers(i)::text AS Papers, attempts AS Attempts
            FROM digest_issues i WHERE subscriber_id = @subscriberId ORDER BY period
            """;
        await using var connection = await DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<IssueRow>(Sql, new { subscriberId })).AsList();
    }

    public async Task<T> ScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<T>(sql, parameters) ?? throw new InvalidOperationException("no value");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

public sealed record IssueRow(long Id, DateOnly Period, string State, string Papers, int Attempts)
{
    public IReadOnlyList<string> PaperIds =>
        JsonDocument.Parse(Papers).RootElement.EnumerateArray().Select(p => p.GetProperty("id").GetString()!).ToList();

    public IReadOnlyList<IReadOnlyList<string>> PaperTopics =>
        JsonDocument.Parse(Papers).RootElement.EnumerateArray()
            .Select(p => (IReadOnlyList<string>)p.GetProperty("topics").EnumerateArray().Select(t => t.GetString()!).ToList()).ToList();
}
