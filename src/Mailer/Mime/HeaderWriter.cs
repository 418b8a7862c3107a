using System.Text;

namespace Digest.Mailer.Mime;

/// <summary>
/// Writes header fields, folding at whitespace so lines stay near 78 octets and never pass 998
/// (RFC 5322 §2.1.1, §2.2.3). A fold is a CRLF put in front of existing whitespace, so unfolding
/// gives back exactly what was written.
/// </summary>
internal sealed class HeaderWriter(MessageBuffer buffer)
{
    public const int RecommendedLength = 78;
    public const int MaxLineLength = 998;

    int _line;
    int _fieldStart;
    string _field = "";

    public MessageBuffer Buffer => buffer;

    public void Begin(string name, string? field = null)
    {
        buffer.WriteAscii(name);
        buffer.Write((byte)':');
        _line = _fieldStart = name.Length + 1;
        _field = field ?? name;
    }

    public void End()
    {
        buffer.Write("\r\n"u8);
        _line = 0;
    }

    /// <summary>
    /// Writes <paramref name="token"/> (not to be split) after the whitespace
    /// <paramref name="separator"/>, folding in front of the whitespace when the line would grow
    /// past 78 octets.
    /// </summary>
    public void Token(ReadOnlySpan<char> token, ReadOnlySpan<char> separator)
    {
        var ascii = !token.ContainsAnyExceptInRange('\0', '\u007f');
        MakeRoom(separator, ascii ? token.Length : Encoding.UTF8.GetByteCount(token));
        if (ascii)
            buffer.WriteAscii(token);
        else
            buffer.WriteUtf8(token);
    }

    /// <summary>An address in angle brackets, one unsplittable token.</summary>
    void AngleAddress(string address)
    {
        MakeRoom(" ", HeaderText.Utf8Length(address) + 2);
        buffer.Write((byte)'<');
        buffer.WriteUtf8(address);
        buffer.Write((byte)'>');
    }

    /// <summary>Folds if a token of <paramref name="length"/> octets would make the line too long, then writes the separator.</summary>
    void MakeRoom(ReadOnlySpan<char> separator, int length)
    {
        if (!separator.IsEmpty && _line > _fieldStart && _line + separator.Length + length > RecommendedLength)
        {
            buffer.Write("\r\n"u8);
            _line = 0;
        }
        if (_line + separator.Length + length > MaxLineLength)
            throw new InvalidMessageException(_field, $"has a run of {length} characters without whitespace, too long to fold under the 998-octet line limit.");
        buffer.WriteAscii(separator);
        _line += separator.Length + length;
    }

    /// <summary>
    /// Octets left on this line for a token after one space, when there is a sensible amount;
    /// otherwise a full line's worth, as the token will go on a fresh line.
    /// </summary>
    public int RoomOnLine(int minimum)
    {
        var room = RecommendedLength - _line - 1;
        return room >= minimum || _line <= _fieldStart ? Math.Max(room, minimum) : RecommendedLength - 1;
    }

    /// <summary>Writes ASCII that sticks to what came before (a comma after an address).</summary>
    public void Glue(ReadOnlySpan<char> ascii)
    {
        if (_line + ascii.Length > MaxLineLength)
            throw new InvalidMessageException(_field, "is too long to fold under the 998-octet line limit.");
        buffer.WriteAscii(ascii);
        _line += ascii.Length;
    }

    /// <summary>
    /// Unstructured text (RFC 5322 §3.2.5), e.g. Subject: as it is when that is unambiguous, else as
    /// RFC 2047 encoded words. A decoder would strip leading whitespace, read "=?" as the start of an
    /// encoded word and cannot see non-ASCII, so those go encoded; so does a word too long to fold.
    /// </summary>
    public void Unstructured(ReadOnlySpan<char> text)
    {
        if (NeedsEncoding(text))
            EncodedWords.Write(this, text);
        else
            Words(text);
    }

    /// <summary>Printable ASCII as it is, folded at its whitespace.</summary>
    public void Words(ReadOnlySpan<char> text)
    {
        ReadOnlySpan<char> separator = " ";
        while (!text.IsEmpty)
        {
            var wordStart = 0;
            while (wordStart < text.Length && HeaderText.IsWhitespace(text[wordStart]))
                wordStart++;
            if (wordStart > 0)
                separator = text[..wordStart];
            text = text[wordStart..];
            var wordEnd = text.IndexOfAny(' ', '\t');
            if (wordEnd < 0)
                wordEnd = text.Length;
            Token(text[..wordEnd], separator);
            text = text[wordEnd..];
        }
    }

    static bool NeedsEncoding(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
            return false;
        if (!HeaderText.IsPlainAscii(text) || HeaderText.IsWhitespace(text[0]) || HeaderText.IsWhitespace(text[^1]))
            return true;
        if (text.Contains("=?", StringComparison.Ordinal))
            return true;
        var longest = 0;
        foreach (var word in text.SplitAny(" \t"))
            longest = Math.Max(longest, word.End.Value - word.Start.Value);
        return longest > MaxLineLength - 100;
    }

    /// <summary>A display name (RFC 5322 phrase): atoms, a quoted string, or encoded words.</summary>
    public void Phrase(string name)
    {
        if (IsAtomPhrase(name))
        {
            Words(name);
        }
        else if (HeaderText.IsPlainAscii(name) && !name.Contains('\t', StringComparison.Ordinal)
                 && !name.Contains("=?", StringComparison.Ordinal) && name.Length <= 200)
        {
            Span<char> quoted = stackalloc char[name.Length * 2 + 2];
            var length = 0;
            quoted[length++] = '"';
            foreach (var c in name)
            {
                if (c is '"' or '\\')
                    quoted[length++] = '\\';
                quoted[length++] = c;
            }
            quoted[length++] = '"';
            Token(quoted[..length], " ");
        }
        else
        {
            EncodedWords.Write(this, name);
        }
    }

    /// <summary>Words of atext separated by single spaces, and no "=?" a decoder could take for an encoded word.</summary>
    static bool IsAtomPhrase(string name)
    {
        if (name.Length == 0 || name[0] == ' ' || name[^1] == ' ' || name.Contains("  ", StringComparison.Ordinal)
            || name.Contains("=?", StringComparison.Ordinal) || name.Length > 200)
            return false;
        foreach (var c in name)
        {
            if (c != ' ' && !HeaderText.IsAtext(c))
                return false;
        }
        return true;
    }

    /// <summary>A mailbox list: <c>Name &lt;address&gt;, address</c>, folded between mailboxes.</summary>
    public void Mailboxes(IReadOnlyList<MailboxAddress> mailboxes)
    {
        for (var i = 0; i < mailboxes.Count; i++)
        {
            Mailbox(mailboxes[i]);
            if (i < mailboxes.Count - 1)
                Glue(",");
        }
    }

    public void Mailbox(MailboxAddress mailbox)
    {
        if (mailbox.Name is null)
        {
            Token(mailbox.Address, " ");
            return;
        }
        Phrase(mailbox.Name);
        AngleAddress(mailbox.Address);
    }
}
