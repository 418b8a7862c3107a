using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Digest.Subscriptions.Tests.Harness;

namespace Digest.Subscriptions.Tests.Abuse;

public sealed partial class MalformedInputTests
{
    const int Seed = 20251123;

    [Test]
    public async Task Thousands_of_malformed_submissions_get_a_4xx_naming_the_field_and_store_nothing()
    {
        await using var service = await TestService.StartAsync();
        using var client = service.Client();
        var token = Uri.EscapeDataString(await Forms.TokenAsync(client));
        var cases = MalformedInput.Generate(Seed, atLeast: 5000);
        var failures = new ConcurrentBag<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        var watch = Stopwatch.StartNew();

        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (submission, cancellationToken) =>
        {
            var body = submission.WithToken ? $"{submission.Body}&{Forms.AntiforgeryField}={token}" : submission.Body;
            using var content = new StringContent(body, Encoding.ASCII);
            content.Headers.ContentType = new(submission.ContentType);
            using var response = await client.PostAsync(new Uri("/subscribe", UriKind.Relative), content, cancellationToken);
            var html = await response.Content.ReadAsStringAsync(cancellationToken);
            statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
            var problem = (int)response.StatusCode switch
            {
                >= 500 => "a server error",
                < 400 => "accepted",
                _ when submission.Field is { } field && !html.Contains($"id=\"{field}-error\"", StringComparison.Ordinal) => $"no error on {field}",
                _ when submission.Field is null && !FieldError().IsMatch(html) => "no field named",
                _ when html.Contains("<script>alert", StringComparison.Ordinal) || html.Contains("<svg onload", StringComparison.Ordinal) => "markup echoed unescaped",
                _ => null,
            };
            if (problem is not null)
                failures.Add($"{submission.Kind}: {problem} ({(int)response.StatusCode}) for {Shorten(submission.Body)}");
        });
        watch.Stop();

        TestContext.Out.WriteLine($"{cases.Count} submissions in {watch.Elapsed.TotalSeconds:0.0} s; statuses: " +
            string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")));
        foreach (var kind in cases.GroupBy(c => c.Kind))
            TestContext.Out.WriteLine($"  {kind.Key}: {kind.Count()}");
        Assert.That(cases, Has.Count.GreaterThanOrEqualTo(5000));
        Assert.That(failures.Take(20), Is.Empty, $"{failures.Count} failures");
        foreach (var table in new[] { "subscribers", "topics", "subscriber_topics", "confirmations", "outbox" })
            Assert.That(await service.ScalarAsync<int>($"SELECT count(*) FROM {table}"), Is.Zero, table);
        Assert.That(service.Logs.Lines.Where(l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Error).Select(l => l.Message), Is.Empty);
    }

    [Test]
    public async Task Hostile_but_valid_topics_are_stored_as_typed_and_shown_escaped()
    {
        await using var service = await TestService.StartAsync();
        using var client = service.Client();
        const string Topics = "'; DROP TABLE subscribers; --\n<script>alert(1)</script> transformers\n\"robert'); DELETE FROM topics;--\" ok";

        await Subscribers.ActiveAsync(service, client, "o'brien+digest@example.org", Topics);
        var html = await client.GetStringAsync((await Subscribers.LinksAsync(service, "o'brien+digest@example.org")).Manage);

        Assert.That(await service.ScalarAsync<int>("SELECT count(*) FROM topics"), Is.EqualTo(3));
        Assert.That(await service.ScalarAsync<string>("SELECT string_agg(query, ' | ' ORDER BY query) FROM topics"),
            Is.EqualTo("\"robert'); delete from topics;--\" ok | '; drop table subscribers; -- | <script>alert(1)</script> transformers"));
        Assert.That(html, Does.Contain("&lt;script&gt;alert(1)&lt;/script&gt; transformers").And.Not.Contain("<script>alert"));
        Assert.That(html, Does.Contain("o&#x27;brien+digest@example.org"));
    }

    static string Shorten(string body) => body.Length <= 160 ? body : body[..160] + $"… ({body.Length} chars)";

    [GeneratedRegex("id=\"[a-z]+-error\"")]
    private static partial Regex FieldError();
}
