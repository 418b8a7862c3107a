using System.Buffers;
using System.Text;
using System.Text.Unicode;
using Digest.Mailer.Mime;

namespace Digest.Mailer;

/// <summary>
/// A body written as quoted-printable piece by piece, for many mails that share most of their
/// text: the shared text is encoded once (<see cref="QuotedPrintablePiece"/>) and put in as it
/// is, and only a mail's own values are encoded per mail. What it holds is valid
/// quoted-printable of valid UTF-8 by construction, so the writer sends it without a second pass.
/// </summary>
/// <remarks>
/// Quoted-printable is line-local, so encoded pieces join where their lines allow: a piece whose
/// first line does not fit on the line being written starts a new one after a soft break, which a
/// reader removes. A piece's end is encoded as if more may follow on its line (see
/// <see cref="QuotedPrintable.Encode"/>): whitespace that ends it is escaped here only when a line
/// break follows it, or the body ends. Line breaks leave as CRLF, one CR and LF split between two
/// pieces as one. Read when the message is written: it must not change, nor be disposed, until
/// the send is done.
/// </remarks>
public sealed class QuotedPrintableBody : IDisposable
{
    readonly MessageBuffer _buffer;
    int _column;
    bool _endsWithCr;
    bool _disposed;

    /// <param name="capacity">Bytes to start with (it grows past them).</param>
    /// <param name="pool">Where its array comes from and goes back to when disposed; the shared pool when not given.</param>
    public QuotedPrintableBody(int capacity = 4096, ArrayPool<byte>? pool = null) =>
        _buffer = new MessageBuffer(capacity, headroom: 0, pool);

    /// <summary>Bytes written so far, encoded.</summary>
    public int Length => _buffer.Length;

    /// <summary>
    /// The body as it goes into a message: ended, without a CRLF of its own, so that the CRLF the
    /// container writes next (a boundary's, or with <paramref name="endsMessage"/> the message's
    /// last) does not change the text. Ending it may escape its last whitespace (as a line break
    /// following it would), which leaves it valid to append to and to write again.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The body went back to its pool: sent now, it would be an empty part.</exception>
    internal void WriteTo(MessageBuffer message, bool endsMessage)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // The boundary's CRLF ends an open line; a soft break ends the message's, and whitespace before "=" may stay.
        if (!endsMessage)
            EscapeTrailingWhitespace();
        message.Write(_buffer.Span);
        if (endsMessage && _column > 0)
            message.Write("=\r\n"u8);
    }

    /// <summary>The bytes written so far (see <see cref="WriteTo"/> for them ended).</summary>
    internal ReadOnlySpan<byte> Encoded => _buffer.Span;

    /// <summary>Puts in a piece encoded once.</summary>
    public void Append(QuotedPrintablePiece piece)
    {
        ArgumentNullException.ThrowIfNull(piece);
        if (piece.Encoded.Length == 0)
            return;
        if (piece.StartsWithBreak)
            EscapeTrailingWhitespace();
        if (_endsWithCr && piece.StartsWithLf)
        {
            // The line break the CR began is written; the rest of the piece starts a line.
            var rest = piece.Encoded.AsSpan(2);
            Put(rest, rest.IndexOf("\r\n"u8), rest.LastIndexOf("\r\n"u8) is var last and >= 0 ? last + 2 : 0);
        }
        else
        {
            Put(piece.Encoded, piece.FirstBreak, piece.LastLineStart);
        }
        _endsWithCr = piece.EndsWithCr;
    }

    /// <summary>Encodes and puts in text of this mail's own.</summary>
    /// <exception cref="ArgumentException">The text is not valid UTF-8.</exception>
    public void Append(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
            return;
        if (!Utf8.IsValid(utf8))
            throw new ArgumentException("The text is not valid UTF-8.", nameof(utf8));
        if (utf8[0] is (byte)'\r' or (byte)'\n')
            EscapeTrailingWhitespace();
        var text = _endsWithCr && utf8[0] == '\n' ? utf8[1..] : utf8;
        QuotedPrintable.Encode(_buffer, text, ref _column, piece: true);
        _endsWithCr = utf8[^1] == '\r';
    }

    /// <summary>A line break follows (or the part ends): whitespace a piece left at the end of the open line is escaped (a reader would drop it).</summary>
    void EscapeTrailingWhitespace()
    {
        if (_column == 0)
            return;
        var encoded = _buffer.Span;
        var last = encoded[^1];
        if (last is not ((byte)' ' or (byte)'\t'))
            return;
        _buffer.Truncate(encoded.Length - 1);
        // It is at column 75 at most; escaped, it may need the next line.
        if (_column - 1 + 3 > QuotedPrintable.MaxLineLength)
        {
            _buffer.Write("=\r\n"u8);
            _column = 1;
        }
        _buffer.Write(last == ' ' ? "=20"u8 : "=09"u8);
        _column += 2;
    }

    /// <param name="firstBreak">Where the encoded text's first CRLF is, or -1 when it has none.</param>
    /// <param name="lastLineStart">Where its last line starts (0 when it has no CRLF).</param>
    void Put(ReadOnlySpan<byte> encoded, int firstBreak, int lastLineStart)
    {
        if (encoded.IsEmpty)
            return;
        // A line left open keeps room for a soft break; a line the piece ends may use column 76.
        var fits = firstBreak < 0
            ? _column + encoded.Length <= QuotedPrintable.MaxLineLength - 1
            : _column + firstBreak <= QuotedPrintable.MaxLineLength;
        if (!fits && _column > 0)
        {
            _buffer.Write("=\r\n"u8);
            _column = 0;
        }
        _buffer.Write(encoded);
        _column = firstBreak < 0 ? _column + encoded.Length : encoded.Length - lastLineStart;
    }

    public void Dispose()
    {
        _disposed = true;
        _buffer.Dispose();
    }
}

/// <summary>
/// Text encoded as quoted-printable once, to be put into many bodies (<see cref="QuotedPrintableBody.Append(QuotedPrintablePiece)"/>).
/// Immutable; safe to share between threads.
/// </summary>
public sealed class QuotedPrintablePiece
{
    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    QuotedPrintablePiece(byte[] encoded, bool startsWithBreak, bool startsWithLf, bool endsWithCr)
    {
        StartsWithBreak = startsWithBreak;
        Encoded = encoded;
        FirstBreak = encoded.AsSpan().IndexOf("\r\n"u8);
        LastLineStart = encoded.AsSpan().LastIndexOf("\r\n"u8) is var last and >= 0 ? last + 2 : 0;
        StartsWithLf = startsWithLf;
        EndsWithCr = endsWithCr;
    }

    public static QuotedPrintablePiece Empty { get; } = new([], false, false, false);

    internal byte[] Encoded { get; }

    /// <summary>Where its first CRLF is (hard or soft), or -1 when it is one line.</summary>
    internal int FirstBreak { get; }

    internal int LastLineStart { get; }

    /// <summary>Whether its text starts with a line break (CR or LF).</summary>
    internal bool StartsWithBreak { get; }

    internal bool StartsWithLf { get; }

    internal bool EndsWithCr { get; }

    /// <summary>Bytes it puts in, encoded.</summary>
    public int Length => Encoded.Length;

    /// <exception cref="ArgumentException">The text is not valid UTF-8.</exception>
    public static QuotedPrintablePiece Of(ReadOnlySpan<byte> utf8)
    {
        if (!Utf8.IsValid(utf8))
            throw new ArgumentException("The text is not valid UTF-8.", nameof(utf8));
        if (utf8.IsEmpty)
            return Empty;
        using var buffer = new MessageBuffer(utf8.Length + utf8.Length / 4 + 16, headroom: 0);
        var column = 0;
        QuotedPrintable.Encode(buffer, utf8, ref column, piece: true);
        return new QuotedPrintablePiece(buffer.Span.ToArray(), utf8[0] is (byte)'\r' or (byte)'\n', utf8[0] == '\n', utf8[^1] == '\r');
    }

    /// <exception cref="EncoderFallbackException">The text is not Unicode (an unpaired surrogate).</exception>
    public static QuotedPrintablePiece Of(string text) => Of(StrictUtf8.GetBytes(text));
}
