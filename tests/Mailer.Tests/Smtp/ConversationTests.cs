using Digest.TestSupport;
using System.Text.RegularExpressions;
using Digest.Mailer.Smtp;

namespace Digest.Mailer.Tests.Smtp;

/// <summary>
/// Every reply path as a scripted conversation (Conversations/*.txt) played by a real server on
/// loopback. The server checks each line the client sends; the @ lines tell this driver what to
/// do and what outcome to expect.
/// </summary>
public sealed class ConversationTests
{
    static string Folder => Path.Combine(TestContext.CurrentContext.TestDirectory, "Smtp", "Conversations");

    static IEnumerable<TestCaseData> Conversations() =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Smtp", "Conversations"), "*.txt")
            .Order(StringComparer.Ordinal)
            .Select(f => new TestCaseData(Path.GetFileNameWithoutExtension(f)).SetName(Path.GetFileNameWithoutExtension(f)));

    [TestCaseSource(nameof(Conversations))]
    public async Task Conversation(string name)
    {
        var script = await File.ReadAllLinesAsync(Path.Combine(Folder, name + ".txt"));
        using var certificate = script.Contains("!tls") ? TestCertificate.Create() : null;
        await using var server = new ScriptedServer(script, certificate);
        var log = new LogCollector();
        var options = new SmtpClientOptions
        {
            Host = "127.0.0.1",
            Port = server.Port,
            Tls = TlsMode.None,
            HeloName = "client.example.test",
            TrustedCertificatePath = certificate?.PublicPemPath,
        };
        var directives = script.Where(l => l.StartsWith('@')).Select(Directive.Parse).ToList();
        foreach (var client in directives.Where(d => d.Verb == "client"))
            Configure(options, client);

        await using var smtp = new SmtpClient(options, protocolLogger: log.CreateLogger(ProtocolLog.Category));
        foreach (var directive in directives)
        {
            switch (directive.Verb)
            {
                case "connect":
                    await smtp.ConnectAsync();
                    break;
                case "connect-fails":
                    var error = Assert.CatchAsync(() => smtp.ConnectAsync());
                    Assert.That(error!.Message, Does.Contain(directive.Text), error.ToString());
                    Assert.That(smtp.IsConnected, Is.False);
                    break;
                case "send":
                    if (!smtp.IsConnected)
                        await smtp.ConnectAsync();
                    await SendAsync(smtp, directive);
                    break;
                case "quit":
                    await smtp.DisconnectAsync();
                    break;
                case "log-contains":
                    Assert.That(log.Lines, Has.Some.Contains(directive.Text), string.Join("\n", log.Lines));
                    break;
                case "log-lacks":
                    Assert.That(log.Lines, Has.None.Contains(directive.Text), string.Join("\n", log.Lines));
                    break;
                case "data-contains":
                    Assert.That(server.Data[^1], Does.Contain(Regex.Unescape(directive.Text)));
                    break;
            }
        }

        var problems = await server.FinishAsync(TimeSpan.FromSeconds(20));
        Assert.That(problems, Is.Empty, string.Join("\n", log.Lines));
    }

    static async Task SendAsync(SmtpClient smtp, Directive send)
    {
        var to = send["to"].Split(',').Select(a => MailboxAddress.Parse(a)).ToList();
        var message = new EmailMessage
        {
            From = MailboxAddress.Parse("sender@example.test"),
            To = to,
            Subject = "Scripted",
            MessageId = "scripted@example.test",
            TextBody = send.Get("body") == "dots" ? ".one dot\n..two dots\n.\nend\n" : "Hello.\n",
        };

        var result = await smtp.SendAsync(message);

        Assert.Multiple(() =>
        {
            Assert.That(result.Outcome.ToString(), Is.EqualTo(send["outcome"]), result.Detail);
            Assert.That(result.Recipients.Select(r => r.Outcome.ToString()), Is.EqualTo(send["recipients"].Split(',')), result.Detail);
            Assert.That(result.Recipients.Select(r => r.Recipient), Is.EqualTo(to));
            Assert.That(result.MessageId, Is.EqualTo("scripted@example.test"));
            if (send.Get("detail") is { } detail)
                Assert.That(result.Detail, Does.Contain(detail));
            if (send.Get("connected") is { } connected)
                Assert.That(smtp.IsConnected, Is.EqualTo(bool.Parse(connected)));
            if (send.Get("lost-connection") is { } lost)
                Assert.That(smtp.LastSendLostConnection, Is.EqualTo(bool.Parse(lost)));
        });
    }

    static void Configure(SmtpClientOptions options, Directive client)
    {
        if (client.Get("tls") is { } tls)
            options.Tls = Enum.Parse<TlsMode>(tls);
        options.UserName = client.Get("user");
        options.Password = client.Get("password");
        options.AllowPlaintextAuth = client.Get("allowplaintextauth") == "true";
    }

    /// <summary>"@send to=a,b outcome=Sent detail=free text" or "@log-contains free text".</summary>
    sealed record Directive(string Verb, string Text, IReadOnlyDictionary<string, string> Values)
    {
        public string this[string key] => Values[key];
        public string? Get(string key) => Values.GetValueOrDefault(key);

        public static Directive Parse(string line)
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var verb = space < 0 ? line[1..] : line[1..space];
            var text = space < 0 ? "" : line[(space + 1)..];
            var values = new Dictionary<string, string>();
            if (verb is "send" or "client")
            {
                // key=value pairs; the value of "detail" runs to the next key or the end.
                foreach (Match pair in Regex.Matches(text, @"(\S+?)=(.*?)(?=\s+\S+?=|$)"))
                    values[pair.Groups[1].Value] = pair.Groups[2].Value;
            }
            return new Directive(verb, text, values);
        }
    }
}
