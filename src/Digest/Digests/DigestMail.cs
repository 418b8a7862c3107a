using System.Buffers;
using System.Text;
using Digest.Templates;

namespace Digest.Digests;

/// <summary>
/// A digest mail as it is sent: its subject, and its HTML and text already as UTF-8, which is what
/// the mail writer encodes from (a 37 KB HTML body is not made a string to be encoded again).
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
    /// rendered at once (128 by default), more than the shared pool keeps of one size per core.
    /// </summary>
    static readonly ArrayPool<byte> Bodies = ArrayPool<byte>.Create(maxArrayLength: 1 << 22, maxArraysPerBucket: 256);

    readonly ReadOnlyMemory<byte> _html;
    readonly ReadOnlyMemory<byte> _text;
    readonly byte[]? _rentedHtml;
    readonly byte[]? _rentedText;
    int _disposed;

    DigestMail(string subject, ReadOnlyMemory<byte> html, ReadOnlyMemory<byte> text, byte[]? rentedHtml, byte[]? rentedText)
    {
        Subject = subject;
        _html = html;
        _text = text;
        _rentedHtml = rentedHtml;
        _rentedText = rentedText;
    }

    public string Subject { get; }

    public ReadOnlyMemory<byte> HtmlUtf8 => Volatile.Read(ref _disposed) == 0 ? _html : throw new ObjectDisposedException(nameof(DigestMail));

    public ReadOnlyMemory<byte> TextUtf8 => Volatile.Read(ref _disposed) == 0 ? _text : throw new ObjectDisposedException(nameof(DigestMail));

    public string Html => Encoding.UTF8.GetString(HtmlUtf8.Span);

    public string Text => Encoding.UTF8.GetString(TextUtf8.Span);

    /// <summary>The mail as text, as the templates render it whole.</summary>
    public RenderedEmail Decoded() => new(Subject, Html, Text);

    /// <exception cref="EncoderFallbackException">The rendering is not Unicode (an unpaired surrogate).</exception>
    public static DigestMail Of(RenderedEmail email) =>
        new(email.Subject, SharedDigest.StrictUtf8.GetBytes(email.Html), SharedDigest.StrictUtf8.GetBytes(email.Text), null, null);

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
    }
}
