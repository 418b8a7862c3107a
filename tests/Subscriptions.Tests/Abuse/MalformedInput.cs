using System.Text;

namespace Digest.Subscriptions.Tests.Abuse;

/// <summary>One malformed submission: the urlencoded body as sent, and the field its rejection must name.</summary>
/// <param name="Field">The field the answer must name (id="{Field}-error"); null when any named field will do (random garbage).</param>
public sealed record MalformedSubmission(string Kind, string Body, string? Field, bool WithToken = true, string ContentType = "application/x-www-form-urlencoded");

/// <summary>
/// Generates malformed subscribe-form submissions from a seed: bad addresses, header injection,
/// megabyte fields, invalid UTF-8, SQL and HTML metacharacters where they make a value invalid,
/// missing and repeated fields, broken topics, missing antiforgery tokens, and random garbage.
/// Every one starts from a valid form and breaks one thing.
/// </summary>
public static class MalformedInput
{
    static readonly string[] BadAddresses =
    [
        "", " ", "plainaddress", "@example.org", "ada@", "ada@@example.org", "ada@example", "ada@.example.org", "ada@example..org",
        ".ada@example.org", "ada.@example.org", "ad..a@example.org", "ada lovelace@example.org", "\"ada\"@example.org", "ada(comment)@example.org",
        "ada@[127.0.0.1]", "ada@127.0.0.1", "ada@-example.org", "ada@example-.org", "ada@exa_mple.org", "<ada@example.org>",
        "Ada <ada@example.org>", "ada@example.org,bob@example.org", "ada@example.org;bob@example.org", "ada\\@example.org", "ada@exam ple.org",
        new string('a', 65) + "@example.org", "ada@" + new string('a', 64) + ".org", "a@" + string.Join('.', Enumerable.Repeat(new string('b', 60), 5)) + ".org",
        "ada@example.123", "ada@ex\u00E4mple..org", "ada\u200B@example.org", "ada@example.org\t",
        "<script>alert(1)</script>@example.org", "ada@<script>.org", "\"><img src=x onerror=alert(1)>@example.org",
        "'; DROP TABLE subscribers; --@example.org", "ada@example.org' OR '1'='1", "ada@example.org\"; SELECT pg_sleep(5); --",
        "%", "ada%@", "ada@%00.org", "ada@exa%mple.org", "()<>[]:,;@\\\"@example.org",
    ];

    static readonly System.Buffers.SearchValues<char> NeverInAnAddress = System.Buffers.SearchValues.Create(" <>;(),\\\"[]:");

    static readonly string[] Injections = ["\r\nBcc: victim@example.net", "\nSubject: spam", "\r", "\n", "\0", "\r\n\r\n<html>", "%0d%0aBcc:x@y.org"];

    /// <summary>Percent-escapes that do not decode to UTF-8: lone continuation, truncated, overlong, surrogate, out of range.</summary>
    static readonly string[] BadUtf8 = ["%80", "%C3%28", "%E2%82", "%E2%28%A1", "%F0%90%28%BC", "%C0%AF", "%ED%A0%80", "%F8%88%80%80%80", "%FF%FE", "%F4%90%80%80"];

    static readonly string[] SqlAndHtml =
    [
        "'; DROP TABLE subscribers; --", "' OR '1'='1", "1; DELETE FROM topics", "$$; SELECT 1; $$", "\\'", "1' UNION SELECT email FROM subscribers--",
        "<script>alert(1)</script>", "\"><svg onload=alert(1)>", "{{constructor.constructor('alert(1)')()}}", "{{{body}}}", "${7*7}", "%27%22",
    ];

    static readonly string[] BadTopics =
    [
        "", "   ", "the", "the and of", "a an the is are", "-video", "-video -audio -speech", "author:hinton", "category:cs.CL", "upvotes:5",
        "author:\"unclosed", "x author:", "x category:", "x category:cs.XX", "x category:<script>", "x category:cs.CL'--", "x category:cs.CL category:cs.LG",
        "x author:a author:b", "x upvotes:-1", "x upvotes:lots", "x upvotes:1e9", "x upvotes:99999999999", "x upvotes:1;DROP",
        "x\u0007y", "x\u001By", "x\u007Fy", "x\u0000y", "x\u0085y",
    ];

    public static IReadOnlyList<MalformedSubmission> Generate(int seed, int atLeast)
    {
        var random = new Random(seed);
        var cases = new List<MalformedSubmission>();
        var n = 0;
        string Email() => $"fuzz{n++}@example.org";

        while (cases.Count < atLeast)
        {
            foreach (var bad in BadAddresses)
                cases.Add(Case("bad address", "email", Valid(Email(), "email", Plain(bad + Noise(random)))));
            foreach (var field in Fields)
            {
                // In the topics box a line break separates topics; only NUL is an injection there.
                foreach (var injection in field == "topics" ? Injections.Where(i => i.Contains('\0', StringComparison.Ordinal)) : Injections)
                    cases.Add(Case("header injection", field, Valid(Email(), field, RawOrPlain(Value(field) + injection))));
                foreach (var bytes in BadUtf8)
                {
                    var at = random.Next(Value(field).Length + 1);
                    cases.Add(Case("invalid UTF-8", field, Valid(Email(), field, Escape(Value(field)[..at]) + bytes + Escape(Value(field)[at..]))));
                }
                // Where the metacharacters make the value invalid: in a topic they are just text (a
                // separate test shows them stored as typed and shown escaped), and many are legal in
                // an address's local part ({, }, $, ', %…), so only those with a character no address may have.
                foreach (var meta in SqlAndHtml.Where(m => field != "email" || m.AsSpan().IndexOfAny(NeverInAnAddress) >= 0))
                {
                    if (field != "topics")
                        cases.Add(Case("SQL/HTML metacharacters", field, Valid(Email(), field, Plain(field == "email" ? meta + "@example.org" : Value(field) + meta))));
                }
                cases.Add(Case("field sent twice", field, Valid(Email(), "", null).Append((field, Plain(Value(field))))));
                if (field is "email" or "topics" or "frequency" or "hour")
                    cases.Add(Case("missing field", field, Valid(Email(), field, null)));
            }
            foreach (var topic in BadTopics)
                cases.Add(Case("bad topic", "topics", Valid(Email(), "topics", Plain(random.Next(3) == 0 && topic.Trim().Length > 0 ? "fine topic\n" + topic : topic))));
            cases.Add(Case("too many topics", "topics", Valid(Email(), "topics", Plain(string.Join('\n', Enumerable.Range(0, 11 + random.Next(40)).Select(i => $"topic {i}"))))));
            cases.Add(Case("topic too long", "topics", Valid(Email(), "topics", Plain("long " + new string('y', 196 + random.Next(500))))));
            foreach (var (field, bad) in new[] { ("frequency", "monthly"), ("frequency", "DAILY"), ("frequency", ""), ("hour", "-1"), ("hour", "24"), ("hour", "7.5"), ("hour", "０７"),
                         ("hour", " 7"), ("hour", "0x07"), ("zone", "Mars/Base"), ("zone", "../../../etc/passwd"), ("zone", "/etc/localtime"), ("zone", "Europe/../UTC"),
                         ("zone", "Pacific Standard Time"), ("zone", "UTC+1"), ("zone", "Etc/GMT+99"), ("zone", new string('A', 65)) })
                cases.Add(Case("bad setting", field, Valid(Email(), field, Plain(bad))));
            foreach (var bad in new[] { "", "7", "-1", "Monday", "1 OR 1=1" })
                cases.Add(Case("bad weekday", "weekday", Valid(Email(), "weekday", Plain(bad)).Where(f => f.Key != "frequency").Append(("frequency", "weekly"))));
            for (var i = 0; i < 40; i++)
                cases.Add(Case("no antiforgery token", "form", Valid(Email(), "", null)) with { WithToken = false });
            for (var i = 0; i < 10; i++)
                cases.Add(Case("not a form", "form", Valid(Email(), "", null)) with { ContentType = "application/json" });
            cases.Add(Case("too many fields", "form", Valid(Email(), "", null).Concat(Enumerable.Range(0, 80).Select(i => ($"extra{i}", "x")))));
            for (var i = 0; i < 20; i++)
                cases.Add(new MalformedSubmission("random garbage", Garbage(random), Field: null));
        }

        // A handful of megabyte fields (one per field), once: they are slow only in bulk. 1 MB of
        // UTF-8: half a million "é" is 3 MB once percent-encoded, under the 4 MB a form may have.
        foreach (var field in Fields)
            cases.Add(Case("1 MB field", field, Valid(Email(), field, Plain(field == "topics" ? new string('é', 512 * 1024) : new string('a', 1024 * 1024)))));
        cases.Add(Case("1 MB field", "topics", Valid(Email(), "topics", Plain(string.Concat(Enumerable.Repeat("topic\n", 180_000))))));
        return cases;
    }

    static readonly string[] Fields = ["email", "topics", "frequency", "hour", "zone"];

    static string Value(string field) => field switch
    {
        "topics" => "diffusion models",
        "frequency" => "daily",
        "hour" => "7",
        "zone" => "Europe/Paris",
        _ => "someone@example.org",
    };

    /// <summary>A valid form, with <paramref name="field"/> replaced by <paramref name="encoded"/> (or left out when null).</summary>
    static List<(string Key, string Encoded)> Valid(string email, string field, string? encoded)
    {
        var fields = new List<(string, string)>();
        foreach (var (key, value) in new[] { ("email", email), ("topics", "diffusion models"), ("frequency", "daily"), ("weekday", "1"), ("hour", "7"), ("zone", "Europe/Paris") })
        {
            if (key != field)
                fields.Add((key, Escape(value)));
            else if (encoded is not null)
                fields.Add((key, encoded));
        }
        return fields;
    }

    static MalformedSubmission Case(string kind, string field, IEnumerable<(string Key, string Encoded)> fields) =>
        new(kind, string.Join('&', fields.Select(f => $"{f.Key}={f.Encoded}")), field);

    static string Plain(string value) => Escape(value);

    /// <summary>Injections given already percent-encoded (%0d%0a) go in raw, the rest escaped.</summary>
    static string RawOrPlain(string value) => value.Contains("%0d", StringComparison.Ordinal) ? Escape(value[..value.IndexOf('%', StringComparison.Ordinal)]) + value[value.IndexOf('%', StringComparison.Ordinal)..] : Escape(value);

    static string Escape(string value)
    {
        // Uri.EscapeDataString refuses lone surrogates and very long strings; encode the UTF-8 bytes ourselves.
        var builder = new StringBuilder(value.Length * 3);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~')
                builder.Append((char)b);
            else
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }

    static string Noise(Random random) => random.Next(4) switch
    {
        0 => "",
        1 => new string(' ', random.Next(1, 3)),
        2 => "\u00A0",
        _ => ((char)random.Next(0x21, 0x7F)).ToString(),
    } is var noise && noise.Trim().Length == 0 ? noise : "";

    static string Garbage(Random random)
    {
        const string Alphabet = "abc=&%+;\r\n\0<>'\"\\%%%ZZ00FF";
        var text = new char[random.Next(1, 400)];
        for (var i = 0; i < text.Length; i++)
            text[i] = Alphabet[random.Next(Alphabet.Length)];
        return new string(text);
    }
}
