using System.Globalization;
using System.Text.RegularExpressions;
using Dapper;
using Digest.TestSupport;
using Npgsql;

namespace Digest.Tests.Digests.Harness;

/// <summary>
/// For tests of the real executable as a process against a real database and a real SMTP peer:
/// subscribers due now, the service's settings for a short run, and counting at the sink.
/// </summary>
public static partial class ServiceRuns
{
    /// <summary>Subscribers due now (their first delivery is today at 00:00 UTC), five papers seen an hour ago; returns the database.</summary>
    public static async Task<string> SeedAsync(int subscribers, string? connectionString = null)
    {
        var now = DateTimeOffset.UtcNow;
        await using var host = await DigestsHost.StartAsync(now, connectionString: connectionString);
        for (var i = 0; i < 5; i++)
            await host.AddPaperAsync($"2511.{i:00000}", $"Diffusion paper {i}", "A diffusion model.", i, now.AddHours(-1));
        await using var connection = await host.DataSource.OpenConnectionAsync();
        await host.SubscribeAsync("reader0@example.org", ["diffusion"], hour: 0);
        await connection.ExecuteAsync("""
            INSERT INTO subscribers (email, status, frequency, delivery_hour, time_zone, created_at, updated_at, confirmed_at)
            SELECT 'reader' || n || '@example.org', 'active', 'daily', 0, 'UTC', @Then, @Then, @Then FROM generate_series(1, @More) AS n;
            INSERT INTO subscriber_topics (subscriber_id, topic_id, position)
            SELECT s.id, (SELECT id FROM topics WHERE query = 'diffusion'), 0 FROM subscribers s WHERE s.email <> 'reader0@example.org';
            """, new { Then = now.AddDays(-30).UtcDateTime, More = subscribers - 1 });
        return host.ConnectionString;
    }

    /// <summary>The service's environment for a short run against this database and SMTP port; <paramref name="overrides"/> win.</summary>
    public static Dictionary<string, string?> Environment(string connectionString, int smtpPort, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = connectionString,
            ["Urls"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["Digest__PublicUrl"] = "https://digest.example.org/",
            ["Papers__Demo"] = "Never",
            ["Mailer__Relays__0__Host"] = SmtpSink.Host,
            ["Mailer__Relays__0__Port"] = smtpPort.ToString(CultureInfo.InvariantCulture),
            ["Mailer__Relays__0__Tls"] = "None",
            ["Mailer__Relays__0__Connections"] = "16",
            ["Mailer__RelayRetryAfter"] = "00:00:00.500",
            ["Digests__PlanEvery"] = "00:00:01",
            ["Digests__Lease"] = "00:00:05",
            ["Digests__PollInterval"] = "00:00:00.250",
            ["Digests__BatchSize"] = "10",
            ["Digests__Workers"] = "2",
            ["Logging__LogLevel__Digest.Digests.PlanJob"] = "Debug",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
            environment[key] = value;
        return environment;
    }

    public static DigestProcess StartService(string connectionString, int smtpPort, IReadOnlyDictionary<string, string?>? overrides = null) =>
        DigestProcess.Start([], Environment(connectionString, smtpPort, overrides));

    public static async Task WaitForAsync(Func<Task<bool>> condition, DigestProcess service, string what)
    {
        var met = await WaitFor.ConditionAsync(async () =>
        {
            try
            {
                return await condition();
            }
            catch (NpgsqlException)
            {
                return false; // the database is restarting
            }
        }, TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(100));
        Assert.That(met, Is.True, $"waited for {what}; the service said:\n{service.Output}");
    }

    public static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return (await connection.ExecuteScalarAsync<T>(sql))!;
    }

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.ExecuteAsync(sql);
    }

    public static async Task<List<T>> QueryAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return (await connection.QueryAsync<T>(sql)).AsList();
    }

    /// <summary>Issues whose mail went: the count the sink must match.</summary>
    public static Task<int> SentAsync(string connectionString) =>
        ScalarAsync<int>(connectionString, "SELECT count(*)::int FROM digest_issues WHERE state = 'sent'");

    /// <summary>Issues a claim still holds: after an orderly stop, none.</summary>
    public static Task<int> ClaimedAsync(string connectionString) =>
        ScalarAsync<int>(connectionString, "SELECT count(*)::int FROM digest_issues WHERE claimed_by IS NOT NULL");

    public static List<string> MessageIds(IEnumerable<SunkMessage> messages) => MessageIds(messages.Select(m => m.Message));

    public static List<string> MessageIds(IEnumerable<string> messages) =>
        messages.Select(m => MessageId().Match(m)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();

    [GeneratedRegex(@"^Message-ID:\s*<([^>]+)>", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex MessageId();
}
