using System.Text;
using Digest.Mailer.Mime;
using Digest.Mailer.Tests.Mime;
using MimeKit;
using MimeKit.Encodings;

namespace Digest.Mailer.Tests;

/// <summary>
/// A body joined from pieces encoded once and values encoded per mail is valid quoted-printable
/// that MimeKit decodes to exactly the joined text, however the pieces split it: between a CR and
/// its LF, inside "From ", before whitespace that ends a line, at any column.
/// </summary>
public sealed class QuotedPrintableBodyTests
{
    static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    /// <summary>What pieces are made of: the cases quoted-printable treats apart, and plain runs.</summary>
    static readonly string[] Bits =
    [
        " ", "\t", "=", "\r", "\n", "\r\n", "F", "From ", "rom ", "From", ".", "..", "é", "数据", "🙂", "=_", "x",
        "<a href=\"https://digest.example/manage/M1?a=1&b=2\">", "word", new string('w', 80), new string(' ', 3), "a\u00a0b",
    ];

    [Test]
    public void Twenty_thousand_generated_joins_are_valid_quoted_printable_that_decodes_to_the_joined_text()
    {
        var random = new Random(20261203);
        for (var n = 0; n < 20_000; n++)
        {
            var units = Enumerable.Range(0, random.Next(0, 12)).Select(_ => Unit(random)).ToList();
            using var body = new QuotedPrintableBody(capacity: random.Next(1, 64));
            foreach (var (text, shared) in units)
            {
                if (shared)
                    body.Append(QuotedPrintablePiece.Of(text));
                else
                    body.Append(StrictUtf8.GetBytes(text));
            }
            var joined = string.Concat(units.Select(u => u.Text));
            // As a part of a multipart (a CRLF follows) and as the whole message (its last CRLF follows).
            var endsMessage = random.Next(2) == 0;
            var encoded = Ended(body, endsMessage);

            var problem = Problem(encoded) ?? (Decode(encoded) is var decoded && decoded != Crlf(joined)
                ? $"decodes to {Show(decoded)}"
                : null);

            if (problem is not null)
                Assert.Fail($"join {n} of {string.Join(" + ", units.Select(u => (u.Shared ? "piece " : "text ") + Show(u.Text)))}{(endsMessage ? ", ending the message" : "")}: {problem}\n{Show(Encoding.ASCII.GetString(encoded))}");
        }
    }

    [Test]
    public void Every_generated_message_sent_with_its_bodies_in_encoded_pieces_reads_back_the_same_in_MimeKit()
    {
        var random = new Random(2026);
        var writer = new MessageWriter();
        var compared = 0;
        foreach (var generated in GeneratedMessages.Create(600, seed: 20250101).Concat(GeneratedMessages.Extremes()))
        {
            var message = generated.Message;
            using var text = Pieces(message.TextBody, random);
            using var html = Pieces(message.HtmlBody, random);
            var encoded = new EmailMessage
            {
                From = message.From,
                To = message.To,
                Subject = message.Subject,
                MessageId = message.MessageId,
                Headers = message.Headers,
                TextBodyQuotedPrintable = text,
                HtmlBodyQuotedPrintable = html,
            };

            var parsed = MimeMessage.Load(new MemoryStream(writer.ToBytes(encoded)));

            Assert.Multiple(() =>
            {
                if (message.TextBody is not null)
                    Assert.That(Crlf(parsed.GetTextBody(MimeKit.Text.TextFormat.Plain) ?? ""), Is.EqualTo(Crlf(message.TextBody)), $"{generated.Description}: text");
                if (message.HtmlBody is not null)
                    Assert.That(Crlf(parsed.HtmlBody ?? ""), Is.EqualTo(Crlf(message.HtmlBody)), $"{generated.Description}: html");
            });
            compared++;
        }
        Assert.That(compared, Is.GreaterThan(600));
    }

    [Test]
    public void A_body_that_is_the_whole_message_and_ends_mid_line_gains_no_line_break()
    {
        using var html = new QuotedPrintableBody();
        html.Append(QuotedPrintablePiece.Of("<p>last line, no break"));
        var message = Message(html: html);

        var parsed = MimeMessage.Load(new MemoryStream(new MessageWriter().ToBytes(message)));

        Assert.That(parsed.HtmlBody, Is.EqualTo("<p>last line, no break"));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void A_body_given_both_encoded_and_as_text_is_refused_naming_the_encoded_one(bool html)
    {
        using var body = new QuotedPrintableBody();
        var message = html
            ? Message(html: body, htmlUtf8: "<p>html</p>"u8.ToArray())
            : Message(text: body, textBody: "text");

        var error = Assert.Throws<InvalidMessageException>(() => new MessageWriter().ToBytes(message));

        Assert.That(error!.Field, Is.EqualTo(html ? nameof(EmailMessage.HtmlBodyQuotedPrintable) : nameof(EmailMessage.TextBodyQuotedPrintable)));
    }

    [Test]
    public void A_body_disposed_before_its_message_is_written_is_refused_rather_than_sent_empty()
    {
        var html = new QuotedPrintableBody();
        html.Append(QuotedPrintablePiece.Of("<p>digest</p>"));
        html.Dispose();
        var message = Message(html: html);

        Assert.Throws<ObjectDisposedException>(() => new MessageWriter().ToBytes(message));
    }

    [Test]
    public void Bytes_that_are_not_UTF8_are_refused_as_a_piece_and_as_a_value()
    {
        using var body = new QuotedPrintableBody();

        Assert.Throws<ArgumentException>(() => QuotedPrintablePiece.Of([0x61, 0xC0, 0xAF]));
        Assert.Throws<ArgumentException>(() => body.Append([0xED, 0xA0, 0x80]));
        Assert.That(body.Length, Is.Zero);
    }

    [Test]
    public void A_piece_that_fits_on_the_line_being_written_goes_on_it()
    {
        using var body = new QuotedPrintableBody();
        body.Append(QuotedPrintablePiece.Of("<a href=\""));
        body.Append("https://digest.example/u/1"u8);
        body.Append(QuotedPrintablePiece.Of("\">Unsubscribe</a>\n"));

        Assert.That(Encoding.ASCII.GetString(body.Encoded), Is.EqualTo("<a href=3D\"https://digest.example/u/1\">Unsubscribe</a>\r\n"));
    }

    [Test]
    public void Whitespace_a_piece_ends_with_is_escaped_only_where_a_line_break_follows()
    {
        using var body = new QuotedPrintableBody();
        body.Append(QuotedPrintablePiece.Of("Paper: "));
        body.Append("https://digest.example/p/1"u8);
        body.Append(QuotedPrintablePiece.Of("\nPDF: "));
        body.Append(QuotedPrintablePiece.Of("\n"));

        Assert.That(Encoding.ASCII.GetString(body.Encoded), Is.EqualTo("Paper: https://digest.example/p/1\r\nPDF:=20\r\n"));
    }

    /// <summary>The body as the writer puts it into a message, with the CRLF that follows it there.</summary>
    static byte[] Ended(QuotedPrintableBody body, bool endsMessage)
    {
        using var buffer = new MessageBuffer(64, headroom: 0);
        body.WriteTo(buffer, endsMessage);
        buffer.Write("\r\n"u8);
        return buffer.Span.ToArray();
    }

    /// <summary>A message of these bodies (only those given), from and to example addresses.</summary>
    static EmailMessage Message(QuotedPrintableBody? html = null, QuotedPrintableBody? text = null, ReadOnlyMemory<byte>? htmlUtf8 = null, string? textBody = null) => new()
    {
        From = MailboxAddress.Parse("digest@digest.example"),
        To = [MailboxAddress.Parse("reader@example.org")],
        Subject = "s",
        HtmlBodyQuotedPrintable = html,
        TextBodyQuotedPrintable = text,
        HtmlBodyUtf8 = htmlUtf8,
        TextBody = textBody,
    };

    static (string Text, bool Shared) Unit(Random random)
    {
        var builder = new StringBuilder();
        for (var i = random.Next(0, 8); i > 0; i--)
            builder.Append(Bits[random.Next(Bits.Length)]);
        return (builder.ToString(), random.Next(2) == 0);
    }

    /// <summary>A text cut at random places (never inside a surrogate pair) into pieces and values.</summary>
    static QuotedPrintableBody? Pieces(string? text, Random random)
    {
        if (text is null)
            return null;
        var body = new QuotedPrintableBody();
        var at = 0;
        while (at < text.Length)
        {
            var length = Math.Min(text.Length - at, random.Next(1, 120));
            if (char.IsHighSurrogate(text[at + length - 1]) && at + length < text.Length)
                length++;
            var part = text.Substring(at, length);
            if (random.Next(2) == 0)
                body.Append(QuotedPrintablePiece.Of(part));
            else
                body.Append(StrictUtf8.GetBytes(part));
            at += length;
        }
        return body;
    }

    /// <summary>What makes the bytes not quoted-printable that survives the way (RFC 2045 §6.7, and mbox's "From "), or null.</summary>
    static string? Problem(byte[] encoded)
    {
        var lines = Encoding.ASCII.GetString(encoded).Split("\r\n");
        for (var l = 0; l < lines.Length; l++)
        {
            var line = lines[l];
            if (line.Length > QuotedPrintable.MaxLineLength)
                return $"line {l} has {line.Length} characters";
            if (line.Any(c => c is '\r' or '\n'))
                return $"line {l} has a bare CR or LF";
            if (line.Any(c => c is not ('\t' or (>= ' ' and <= '~'))))
                return $"line {l} has a byte that is not printable ASCII";
            if (line.Length > 0 && line[^1] is ' ' or '\t')
                return $"line {l} ends with whitespace";
            if (line.StartsWith("From ", StringComparison.Ordinal))
                return $"line {l} starts with \"From \"";
            for (var i = line.IndexOf('='); i >= 0; i = line.IndexOf('=', i + 1))
            {
                if (i == line.Length - 1)
                    continue; // a soft break
                if (i + 2 >= line.Length || !Uri.IsHexDigit(line[i + 1]) || !Uri.IsHexDigit(line[i + 2]) || char.IsLower(line[i + 1]) || char.IsLower(line[i + 2]))
                    return $"line {l} has \"=\" that is neither an escape nor a soft break";
            }
        }
        return null;
    }

    /// <summary>MimeKit's decoding, without the CRLF that followed the body in its message.</summary>
    static string Decode(byte[] encoded)
    {
        var decoder = new QuotedPrintableDecoder();
        var output = new byte[decoder.EstimateOutputLength(encoded.Length)];
        var length = decoder.Decode(encoded, 0, encoded.Length - 2, output);
        return StrictUtf8.GetString(output, 0, length);
    }

    /// <summary>Every line break (CRLF, bare CR, bare LF) as CRLF: how text leaves (not ReplaceLineEndings, which takes NEL, LS, PS and FF for line ends too).</summary>
    static string Crlf(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Replace("\n", "\r\n", StringComparison.Ordinal);

    static string Show(string text) => text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal);
}
