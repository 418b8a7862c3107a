using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Digest.Mailer.Dkim;
using Digest.Mailer.Mime;
using Digest.Mailer.Tests.Mime;
using Digest.TestSupport;

namespace Digest.Mailer.Tests.Dkim;

/// <summary>Signatures checked by two independent verifiers (python3-dkim, MimeKit's DkimVerifier), the key made at test time.</summary>
public sealed class DkimSignerTests
{
    static readonly DateTimeOffset Now = new(2025, 9, 8, 6, 0, 0, TimeSpan.Zero);

    RSA _key = null!;
    DkimSigner _signer = null!;
    MessageWriter _writer = null!;

    [OneTimeSetUp]
    public void CreateKey()
    {
        _key = RSA.Create(2048);
        _signer = new DkimSigner("example.org", "digest2025", _key);
        _writer = new MessageWriter(_signer, new FixedTime(Now));
    }

    [OneTimeTearDown]
    public void DisposeKey()
    {
        _signer.Dispose();
        _key.Dispose();
    }

    [Test]
    public async Task Signed_messages_verify_with_python_dkim()
    {
        var messages = GeneratedMessages.Create(40, seed: 6376).Concat(GeneratedMessages.Extremes())
            .Select((m, i) => ($"{i}: {m.Description}", _writer.ToBytes(m.Message)))
            .Append(("digest with list headers", _writer.ToBytes(Digest())))
            .ToList();

        var verdicts = await VerifyAsync(messages);

        Assert.That(verdicts.Where(v => !v.Value).Select(v => v.Key), Is.Empty);
        Assert.That(verdicts, Has.Count.EqualTo(messages.Count));
    }

    [Test]
    public void Signed_messages_verify_with_MimeKits_DkimVerifier()
    {
        var record = $"v=DKIM1; k=rsa; p={Convert.ToBase64String(_key.ExportSubjectPublicKeyInfo())}";
        var verifier = new MimeKit.Cryptography.DkimVerifier(new OneKey(record));
        var messages = GeneratedMessages.Create(40, seed: 6376).Concat(GeneratedMessages.Extremes())
            .Select((m, i) => ($"{i}: {m.Description}", _writer.ToBytes(m.Message)))
            .Append(("digest with list headers", _writer.ToBytes(Digest())))
            .ToList();

        var failed = new List<string>();
        foreach (var (name, bytes) in messages)
        {
            using var stream = new MemoryStream(bytes);
            var parsed = MimeKit.MimeMessage.Load(stream);
            var signature = parsed.Headers[parsed.Headers.IndexOf(MimeKit.HeaderId.DkimSignature)];
            if (!verifier.Verify(parsed, signature))
                failed.Add(name);
        }

        Assert.That(failed, Is.Empty);
        // And it is not a verifier that says yes to everything.
        using var tampered = new MemoryStream(Insert(_writer.ToBytes(Digest()), "Subject: Reset your password", atTop: true));
        var forged = MimeKit.MimeMessage.Load(tampered);
        Assert.That(verifier.Verify(forged, forged.Headers[forged.Headers.IndexOf(MimeKit.HeaderId.DkimSignature)]), Is.False);
    }

    /// <summary>The DNS TXT record MimeKit would look up, handed in (no DNS here).</summary>
    sealed class OneKey(string record) : MimeKit.Cryptography.DkimPublicKeyLocatorBase
    {
        public override Org.BouncyCastle.Crypto.AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            GetPublicKey(record);

        public override Task<Org.BouncyCastle.Crypto.AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(GetPublicKey(record));
    }

    [TestCase("From", "From: Mallory <mallory@example.net>")]
    [TestCase("Subject", "Subject: Reset your password")]
    [TestCase("To", "To: victim@example.net")]
    [TestCase("Reply-To", "Reply-To: mallory@example.net")]
    [TestCase("List-Unsubscribe", "List-Unsubscribe: <https://example.net/steal>")]
    [TestCase("List-Unsubscribe-Post", "List-Unsubscribe-Post: List-Unsubscribe=One-Click")]
    [TestCase("Content-Type", "Content-Type: text/plain")]
    [TestCase("Message-ID", "Message-ID: <forged@example.net>")]
    public async Task A_signed_header_added_after_signing_breaks_the_signature(string header, string added)
    {
        var signed = _writer.ToBytes(Digest());

        var verdicts = await VerifyAsync([
            ("as signed", signed),
            ($"{header} added on top", Insert(signed, added, atTop: true)),
            ($"{header} added below", Insert(signed, added, atTop: false)),
            ("an unsigned header added", Insert(signed, "X-Scanned: yes", atTop: false)),
        ]);

        Assert.Multiple(() =>
        {
            Assert.That(verdicts["as signed"], Is.True);
            Assert.That(verdicts["an unsigned header added"], Is.True, "the verifier is not simply failing everything");
            Assert.That(verdicts[$"{header} added on top"], Is.False);
            Assert.That(verdicts[$"{header} added below"], Is.False);
        });
    }

    [Test]
    public async Task List_unsubscribe_headers_are_signed_so_changing_them_breaks_the_signature()
    {
        var signed = _writer.ToBytes(Digest());
        var text = Encoding.ASCII.GetString(signed);
        var changedUrl = Encoding.ASCII.GetBytes(text.Replace("/unsubscribe/TOKEN", "/unsubscribe/OTHER", StringComparison.Ordinal));
        var changedPost = Encoding.ASCII.GetBytes(text.Replace("List-Unsubscribe=One-Click", "List-Unsubscribe=Two-Click", StringComparison.Ordinal));

        var verdicts = await VerifyAsync([("url changed", changedUrl), ("post changed", changedPost)]);

        var tags = Tags(signed);
        Assert.Multiple(() =>
        {
            Assert.That(tags["h"].ToLowerInvariant().Split(':'), Does.Contain("list-unsubscribe").And.Contain("list-unsubscribe-post"));
            Assert.That(verdicts["url changed"], Is.False);
            Assert.That(verdicts["post changed"], Is.False);
        });
    }

    [Test]
    public async Task A_changed_body_breaks_the_signature()
    {
        var signed = Encoding.ASCII.GetString(_writer.ToBytes(Digest()));
        var changed = Encoding.ASCII.GetBytes(signed.Replace("Three papers", "Four papers", StringComparison.Ordinal));

        var verdicts = await VerifyAsync([("body changed", changed)]);

        Assert.That(verdicts["body changed"], Is.False);
    }

    [Test]
    public void The_signature_is_rsa_sha256_relaxed_without_a_length_and_over_signs_each_header()
    {
        var tags = Tags(_writer.ToBytes(Digest()));
        var signedHeaders = tags["h"].Split(':');

        Assert.Multiple(() =>
        {
            Assert.That(tags["a"], Is.EqualTo("rsa-sha256"));
            Assert.That(tags["c"], Is.EqualTo("relaxed/relaxed"));
            Assert.That(tags["d"], Is.EqualTo("example.org"));
            Assert.That(tags["s"], Is.EqualTo("digest2025"));
            Assert.That(tags["t"], Is.EqualTo(Now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(tags, Does.Not.ContainKey("l"));
            // Present once, listed twice: a second instance cannot be added.
            Assert.That(signedHeaders.Count(h => h == "From"), Is.EqualTo(2));
            Assert.That(signedHeaders.Count(h => h == "List-Unsubscribe"), Is.EqualTo(2));
            // Absent, listed once: it cannot be added at all.
            Assert.That(signedHeaders.Count(h => h == "Reply-To"), Is.EqualTo(1));
        });
    }

    [TestCase("PKCS#1")]
    [TestCase("PKCS#8")]
    public async Task The_key_is_read_from_a_PEM_file(string format)
    {
        var path = Path.Combine(Path.GetTempPath(), $"digest-dkim-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(path, format == "PKCS#1" ? _key.ExportRSAPrivateKeyPem() : _key.ExportPkcs8PrivateKeyPem());
        try
        {
            using var signer = DkimSigner.FromPemFile("example.org", "digest2025", path);
            var verdicts = await VerifyAsync([(format, new MessageWriter(signer).ToBytes(Digest()))]);

            Assert.That(verdicts[format], Is.True);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void A_key_under_1024_bits_is_refused()
    {
        using var weak = RSA.Create(512);

        var error = Assert.Throws<ArgumentException>(() => new DkimSigner("example.org", "s", weak));

        Assert.That(error!.Message, Does.Contain("512 bits").And.Contain("1024"));
    }

    [TestCase("example org", "s")]
    [TestCase("example.org", "")]
    [TestCase("example.org", "bad selector")]
    public void A_domain_or_selector_that_is_not_a_name_is_refused(string domain, string selector)
    {
        Assert.Throws<ArgumentException>(() => new DkimSigner(domain, selector, _key));
    }

    internal static EmailMessage Digest() => new()
    {
        From = MailboxAddress.Parse("digest@example.org", "Paper Digest"),
        To = [MailboxAddress.Parse("ada@example.org", "Ada Lovelace")],
        Subject = "Three papers on attention — 8 Sep",
        Date = Now,
        MessageId = "issue-42.ada@example.org",
        Headers =
        [
            new("List-Unsubscribe", "<https://digest.example.org/unsubscribe/TOKEN>"),
            new("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            new("List-Id", "Paper Digest <digest.example.org>"),
        ],
        TextBody = "Three papers today.\n\n. A line with a dot\nUnsubscribe: https://digest.example.org/unsubscribe/TOKEN\n",
        HtmlBody = "<p>Three papers today.</p>\n<p><a href=\"https://digest.example.org/unsubscribe/TOKEN\">Unsubscribe</a></p>",
    };

    async Task<Dictionary<string, bool>> VerifyAsync(List<(string Name, byte[] Bytes)> messages)
    {
        var folder = Directory.CreateTempSubdirectory("digest-dkim-").FullName;
        try
        {
            var record = $"v=DKIM1; k=rsa; p={Convert.ToBase64String(_key.ExportSubjectPublicKeyInfo())}";
            var cases = new List<object>();
            for (var i = 0; i < messages.Count; i++)
            {
                var file = Path.Combine(folder, $"{i}.eml");
                await File.WriteAllBytesAsync(file, messages[i].Bytes);
                cases.Add(new { name = messages[i].Name, file, record });
            }
            var manifest = Path.Combine(folder, "cases.json");
            await File.WriteAllTextAsync(manifest, JsonSerializer.Serialize(cases));
            var script = await File.ReadAllTextAsync(Path.Combine(TestContext.CurrentContext.TestDirectory, "Dkim", "verify.py"));
            var (exit, stdout, stderr) = await Python.RunAsync(script, arguments: [manifest]);
            Assert.That(exit, Is.Zero, stderr);
            return JsonSerializer.Deserialize<Dictionary<string, bool>>(stdout)!;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    static byte[] Insert(byte[] message, string header, bool atTop)
    {
        var text = Encoding.UTF8.GetString(message);
        var at = atTop ? 0 : text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 2;
        return Encoding.UTF8.GetBytes(text.Insert(at, header + "\r\n"));
    }

    static Dictionary<string, string> Tags(byte[] message)
    {
        var value = MessageShape.HeaderValue(message, "DKIM-Signature");
        return value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(tag => tag.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => string.Concat(pair[1].Where(c => !char.IsWhiteSpace(c))));
    }
}
