using System.Buffers;
using System.Text;
using Digest.Mailer;
using Digest.Templates;

namespace Digest.Digests;

/// <summary>
/// A digest mail: its subject, and its HTML and text either as UTF-8, which is what the mail writer
/// encodes from (a 37 KB HTML body is not made a string to be encoded again), or, rendered to send
/// (<see cref="IsEncoded"/>), already quoted-printable as they go on the wire.
/// </summary>
/// <remarks>
/// The bodies of a mail joined from its shape are rented (<see cref="Rent"/>): made new for every
/// mail they were half of all a mail allocated, ~47 KB for the collector each time. Dispose the mail
/// once it is written; its bodies are not to be read after that.
/// </remarks>
public sealed class DigestMail : IDisposable
{
    /// <summary>
    /// Its own pool, not the shared one: a delivery has up to Workers × SendConcurrency mails
    /// rendered at once (by default twice the relays' connections), more than the shared pool keeps of one size per core.
    /// </summary>
    internal static readonly ArrayPool<byte> Bodies = ArrayPool<byte>.Create(maxArrayLength: 1 << 22, maxArraysPerBucket: 256);

    readonly ReadOnlyMemory<byte> _html;
    readonly ReadOnlyMemory<byte> _text;
    readonly byte[]? _rentedHtml;
    readonly byte[]? _rentedText;
    readonly QuotedPrintableBody? _encodedHtml;
    readonly QuotedPrintableBody? _encodedText;
    int _disposed;

    DigestMail(string subject, ReadOnlyMemory<byte> html, ReadOnlyMemory<byte> text, byte[]? rentedHtml, byte[]? rentedText)
    {
        Subject = subject;
        _html = html;
        _text = text;
        _rentedHtml = rentedHtml;
        _rentedText = rentedText;
    }

    DigestMail(string subject, QuotedPrintableBody html, QuotedPrintableBody text)
    {
        Subject = subject;
        _encodedHtml = html;
        _encodedText = text;
    }

    public string Subject { get; }

    /// <summary>Whether its bodies are already quoted-printable, as they are sent (<see cref="HtmlQuotedPrintable"/>), not to be read as text.</summary>
    public bool IsEncoded => _encodedHtml is not null;

    /// <exception cref="InvalidOperationException">The mail is encoded for sending (<see cref="IsEncoded"/>).</exception>
    public ReadOnlyMemory<byte> HtmlUtf8 => Readable(_html);

    /// <inheritdoc cref="HtmlUtf8"/>
    public ReadOnlyMemory<byte> TextUtf8 => Readable(_text);

    /// <summary>The HTML as it is sent, when <see cref="IsEncoded"/>; otherwise null.</summary>
    public QuotedPrintableBody? HtmlQuotedPrintable => Undisposed(_encodedHtml);

    /// <summary>The text as it is sent, when <see cref="IsEncoded"/>; otherwise null.</summary>
    public QuotedPrintableBody? TextQuotedPrintable => Undisposed(_encodedText);

    public string Html => Encoding.UTF8.GetString(HtmlUtf8.Span);

    public string Text => Encoding.UTF8.GetString(TextUtf8.Span);

    /// <summary>The mail as text, as the templates render it whole.</summary>
    public RenderedEmail Decoded() => new(Subject, Html, Text);

    /// <exception cref="EncoderFallbackException">The rendering is not Unicode (an unpaired surrogate).</exception>
    public static DigestMail Of(RenderedEmail email) =>
        new(email.Subject, SharedDigest.StrictUtf8.GetBytes(email.Html), SharedDigest.StrictUtf8.GetBytes(email.Text), null, null);

    /// <summary>A mail of bodies encoded for sending (from <see cref="Bodies"/>); it disposes them when disposed.</summary>
    internal static DigestMail OfEncoded(string subject, QuotedPrintableBody html, QuotedPrintableBody text) => new(subject, html, text);

    ReadOnlyMemory<byte> Readable(ReadOnlyMemory<byte> body) =>
        IsEncoded ? throw new InvalidOperationException("This mail is encoded for sending; render it with DigestRenderer.Render to read it.")
        : Undisposed(body);

    T Undisposed<T>(T body) => Volatile.Read(ref _disposed) == 0 ? body : throw new ObjectDisposedException(nameof(DigestMail));

    /// <summary>A mail of bodies from <see cref="Rent"/>, <paramref name="htmlLength"/> and <paramref name="textLength"/> bytes of them written; it returns them when disposed.</summary>
    internal static DigestMail OfRented(string subject, byte[] html, int htmlLength, byte[] text, int textLength) =>
        new(subject, html.AsMemory(0, htmlLength), text.AsMemory(0, textLength), html, text);

    /// <summary>An array of at least <paramref name="length"/> bytes for a body, to be given to <see cref="OfRented"/> (or <see cref="Return"/>ed).</summary>
    internal static byte[] Rent(int length) => Bodies.Rent(length);

    internal static void Return(byte[] body) => Bodies.Return(body);

    public void Dispose()
    {
        // Once: a second return would hand the same array to two mails.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        if (_rentedHtml is not null)
            Bodies.Return(_rentedHtml);
        if (_rentedText is not null)
            Bodies.Return(_rentedText);
        _encodedHtml?.Dispose();
        _encodedText?.Dispose();
    }
}
