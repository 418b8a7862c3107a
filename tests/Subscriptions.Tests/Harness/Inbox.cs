using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Digest.TestSupport;

namespace Digest.Subscriptions.Tests.Harness;

/// <summary>A mail as a test reads it.</summary>
public sealed record ReceivedMail(string To, string Subject, string Text, string Html, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>The first link in the text part that starts with the site's URL and this path ("/confirm/").</summary>
    public string Link(string path) =>
        Regex.Match(Text, @"https?://\S+" + Regex.Escape(path) + @"[A-Za-z0-9_\-]+") is { Success: true } match
            ? match.Value
            : throw new InvalidOperationException($"No {path} link in: {Text}");
}

/// <summary>
/// The mail the service wrote to an address: delivered to the pickup folder (&lt;data folder&gt;/mail,
/// read with Python's email package as an independent MIME parser), or still waiting in the outbox.
/// </summary>
public static partial class Inbox
{
    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, ReceivedMail> Parsed = new(StringComparer.Ordinal);

    public static async Task<IReadOnlyList<ReceivedMail>> ForAsync(TestService service, string address)
    {
        // Oldest first: what was delivered, then what still waits (it was queued after).
        var mails = new List<ReceivedMail>();
        mails.AddRange(await DeliveredAsync(service, address));
        mails.AddRange(await QueuedAsync(service, address));
        return mails;
    }

    /// <summary>Waits (polling, with a deadline) until at least <paramref name="count"/> mails for the address exist.</summary>
    public static async Task<IReadOnlyList<ReceivedMail>> WaitForAsync(TestService service, string address, int count = 1, TimeSpan? timeout = null)
    {
        IReadOnlyList<ReceivedMail> mails = [];
        await WaitFor.ConditionAsync(async () => (mails = await ForAsync(service, address)).Count >= count, timeout ?? TimeSpan.FromSeconds(15));
        return mails.Count >= count ? mails : throw new TimeoutException($"{mails.Count} mail(s) for {address}, expected {count}");
    }

    static async Task<IEnumerable<ReceivedMail>> QueuedAsync(TestService service, string address)
    {
        await using var connection = await service.OpenAsync();
        var messages = await connection.QueryAsync<string>(
            "SELECT message::text FROM outbox WHERE state = 'queued' AND message -> 'to' -> 0 ->> 'address' = @address ORDER BY id", new { address });
        return messages.Select(json =>
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var headers = root.GetProperty("headers").EnumerateArray().ToDictionary(
                h => h.GetProperty("key").GetString()!, h => h.GetProperty("value").GetString()!, StringComparer.OrdinalIgnoreCase);
            return new ReceivedMail(address, root.GetProperty("subject").GetString()!, root.GetProperty("textBody").GetString()!,
                root.GetProperty("htmlBody").GetString()!, headers);
        }).ToList();
    }

    static async Task<IEnumerable<ReceivedMail>> DeliveredAsync(TestService service, string address)
    {
        var folder = Path.Combine(service.DataFolder, "mail");
        if (!Directory.Exists(folder))
            return [];
        var mails = new List<ReceivedMail>();
        foreach (var file in Directory.GetFiles(folder, "*.eml").OrderBy(File.GetLastWriteTimeUtc).ThenBy(f => f, StringComparer.Ordinal))
        {
            // A delivered file never changes: parse it once.
            if (!Parsed.TryGetValue(file, out var mail))
                Parsed[file] = mail = await ParseAsync(file);
            if (string.Equals(mail.To, address, StringComparison.OrdinalIgnoreCase))
                mails.Add(mail);
        }
        return mails;
    }

    /// <summary>Parses one .eml with Python's email package (policy=default) and returns its parts.</summary>
    public static async Task<ReceivedMail> ParseAsync(string file)
    {
        const string Script = """
            import email, email.policy, json, sys
            with open(sys.argv[1], 'rb') as f:
                m = email.message_from_binary_file(f, policy=email.policy.default)
            text = m.get_body(('plain',))
            html = m.get_body(('html',))
            print(json.dumps({
                'to': m['To'].addresses[0].addr_spec,
                'subject': str(m['Subject']),
                'text': text.get_content() if text else '',
                'html': html.get_content() if html else '',
                'headers': {k: str(v) for k, v in m.items()},
            }))
            """;
        var (exitCode, stdout, stderr) = await Python.RunAsync(Script, arguments: [file]);
        if (exitCode != 0)
            throw new InvalidOperationException($"Python could not parse {file}: {stderr}");
        using var document = JsonDocument.Parse(stdout);
        var root = document.RootElement;
        return new ReceivedMail(
            root.GetProperty("to").GetString()!,
            root.GetProperty("subject").GetString()!,
            root.GetProperty("text").GetString()!.ReplaceLineEndings("\n"),
            root.GetProperty("html").GetString()!,
            root.GetProperty("headers").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.OrdinalIgnoreCase));
    }
}
