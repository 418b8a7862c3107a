using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using Digest.Admin;
using Digest.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;

namespace Digest.Tests.Admin;

/// <summary>
/// The service with the console on (a password made at test time) over a database holding one of
/// everything the console shows: subscribers of each status, a suppressed address with its reason,
/// a failed digest and a failed confirmation with the relay's replies, an ingest, papers.
/// </summary>
public sealed partial class ConsoleSite : IAsyncDisposable
{
    public const string SuppressedAddress = "bounced@example.org";
    public const string SuppressionReason = "550 5.1.1 <bounced@example.org>: mailbox unknown";
    public const string DigestReply = "554 5.7.1 message refused by policy";
    public const string ConfirmationReply = "552 5.2.2 mailbox full";

    ConsoleSite(DigestApp app, string connectionString, string password)
    {
        App = app;
        ConnectionString = connectionString;
        Password = password;
    }

    public DigestApp App { get; }
    public string ConnectionString { get; }
    public string Password { get; }

    /// <summary>Where a browser reaches it, when started on loopback.</summary>
    public Uri? BaseAddress { get; private set; }

    /// <param name="onLoopback">Listen on a loopback port (Kestrel) for a browser, instead of in memory.</param>
    public static async Task<ConsoleSite> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, bool onLoopback = false)
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var password = Guid.NewGuid().ToString("N");
        var all = new Dictionary<string, string?>
        {
            ["Admin:PasswordHash"] = AdminPassword.Hash(password),
            ["Digest:PublicUrl"] = "https://digest.example.org/",
            ["Papers:Demo"] = "Never",
            // An instance that plans but does not deliver: the waiting issue stays waiting.
            ["Digests:Workers"] = "0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            all[key] = value;
        var site = new ConsoleSite(new DigestApp(connectionString, all), connectionString, password);
        if (onLoopback)
            site.BaseAddress = site.App.StartOnLoopback();
        else
            _ = site.App.Server; // starts it, migrating the database
        await site.SeedAsync();
        return site;
    }

    /// <summary>A browser-like client on https (the public URL is, so the session cookie is Secure).</summary>
    public HttpClient Client() => App.CreateClient(new WebApplicationFactoryClientOptions
    {
        AllowAutoRedirect = false,
        HandleCookies = true,
        BaseAddress = new Uri("https://localhost"),
    });

    /// <summary>Signs in through the form; returns the answer to the post.</summary>
    public static async Task<HttpResponseMessage> SignInAsync(HttpClient client, string password) =>
        await SignInAsync(client, Token(await client.GetStringAsync(AdminPaths.SignIn)), password);

    public static Task<HttpResponseMessage> SignInAsync(HttpClient client, string token, string password) =>
        client.PostAsync(AdminPaths.SignIn, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["password"] = password,
        }));

    public static string Token(string page) => AntiforgeryToken().Match(page) is { Success: true } match
        ? WebUtility.HtmlDecode(match.Groups["token"].Value)
        : throw new InvalidOperationException("No antiforgery field on the page");

    public async Task ExecuteAsync(string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.ExecuteAsync(sql, parameters);
    }

    public async Task<T> ScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        return (await connection.ExecuteScalarAsync<T>(sql, parameters))!;
    }

    async Task SeedAsync() => await ExecuteAsync("""
        INSERT INTO subscribers (email, status, frequency, delivery_hour, time_zone, created_at, updated_at, confirmed_at, hard_failures, suppressed_at, suppressed_reason)
        VALUES ('ada@example.org', 'active', 'daily', 7, 'UTC', now(), now(), now(), 0, NULL, NULL),
               ('alan@example.org', 'active', 'daily', 7, 'UTC', now(), now(), now(), 0, NULL, NULL),
               ('grace@example.org', 'pending', 'daily', 7, 'UTC', now(), now(), NULL, 0, NULL, NULL),
               (@SuppressedAddress, 'suppressed', 'daily', 7, 'UTC', now(), now(), now(), 3, now() - interval '2 days', @SuppressionReason);

        INSERT INTO digest_issues (subscriber_id, period, window_start, window_end, papers, state, attempts, due_at, planned_at, finished_at, last_outcome, fault, detail)
        SELECT id, current_date, now() - interval '1 day', now(), '[{"id": "2511.00001", "topics": ["diffusion"]}]', 'failed', 1, now(), now(), now(), 'Failed', 'message', @DigestReply
        FROM subscribers WHERE email = 'alan@example.org';
        INSERT INTO digest_issues (subscriber_id, period, window_start, window_end, papers, state, attempts, due_at, planned_at)
        SELECT id, current_date, now() - interval '1 day', now(), '[{"id": "2511.00001", "topics": ["diffusion"]}]', 'queued', 0, now() - interval '90 minutes', now()
        FROM subscribers WHERE email = 'ada@example.org';

        INSERT INTO outbox (kind, subscriber_id, send_if_status, message, state, attempts, due_at, created_at, finished_at, last_outcome, detail)
        SELECT 'confirmation', id, '{pending}', NULL, 'failed', 1, now(), now(), now(), 'Failed', @ConfirmationReply
        FROM subscribers WHERE email = 'grace@example.org';

        INSERT INTO papers (id, title, listed_at, first_seen_at) VALUES
            ('2511.00001', 'Diffusion at Scale', now(), now()),
            ('2511.00002', 'Protein Folding', now(), now()),
            ('2511.00003', 'Older Work', now() - interval '1 day', now() - interval '1 day');

        INSERT INTO paper_ingest_runs (source, finished_at, fetched, new, updated, rejected, errors, first_error, last_success_at)
        VALUES ('huggingface', now(), 50, 2, 48, 0, 0, NULL, now()),
               ('arxiv', now(), 0, 0, 0, 0, 1, 'export.arxiv.org: 503 Service Unavailable', now() - interval '1 day');
        """, new { SuppressedAddress, SuppressionReason, DigestReply, ConfirmationReply });

    public async ValueTask DisposeAsync() => await App.DisposeAsync();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"(?<token>[^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
