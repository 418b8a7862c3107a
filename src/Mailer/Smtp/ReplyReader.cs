using System.Buffers;
using System.Text;

namespace Digest.Mailer.Smtp;

/// <summary>
/// Reads replies from the connection: "250-…" lines until "250 …" (RFC 5321 §4.2.1). Pipelined
/// replies often arrive in one read; the ones not yet asked for stay buffered.
/// </summary>
internal sealed class ReplyReader : IDisposable
{
    const int MaxReplyLength = 64 * 1024;
    byte[] _buffer = ArrayPool<byte>.Shared.Rent(8192);
    int _start;
    int _end;

    public Stream? Stream { get; set; }

    /// <summary>Bytes received but not yet read as a reply.</summary>
    public int Buffered => _end - _start;

    /// <summary>Forgets what is buffered (after STARTTLS's 220: anything sent before TLS is not to be trusted).</summary>
    public void Discard() => _start = _end = 0;

    public async ValueTask<SmtpReply> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryParse(out var reply))
                return reply;
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
            {
                if (_buffer.Length >= MaxReplyLength)
                    throw new SmtpException($"The server sent a reply longer than {MaxReplyLength} bytes");
                var larger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
                Buffer.BlockCopy(_buffer, 0, larger, 0, _end);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }
            var read = await Stream!.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (read == 0)
                throw new EndOfStreamException("The server closed the connection");
            _end += read;
        }
    }

    /// <summary>Parses one complete reply from the buffer, or says more bytes are needed.</summary>
    bool TryParse(out SmtpReply reply)
    {
        reply = null!;
        var data = _buffer.AsSpan(_start, _end - _start);
        var position = 0;
        var code = -1;
        List<string>? lines = null;
        string? single = null;
        while (true)
        {
            var lineEnd = data[position..].IndexOf((byte)'\n');
            if (lineEnd < 0)
                return false;
            var line = data.Slice(position, lineEnd);
            position += lineEnd + 1;
            if (!line.IsEmpty && line[^1] == '\r')
                line = line[..^1];
            if (line.Length < 3 || !char.IsAsciiDigit((char)line[0]) || !char.IsAsciiDigit((char)line[1]) || !char.IsAsciiDigit((char)line[2])
                || line.Length > 3 && line[3] is not ((byte)' ' or (byte)'-'))
                throw new SmtpException($"The server sent a malformed reply line: \"{Printable(line)}\"");
            var lineCode = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
            if (code >= 0 && lineCode != code)
                throw new SmtpException($"The server changed the reply code within a multi-line reply ({code}, then {lineCode})");
            code = lineCode;
            var text = line.Length > 4 ? Encoding.UTF8.GetString(line[4..]) : "";
            var last = line.Length == 3 || line[3] == ' ';
            if (single is null && lines is null && last)
            {
                single = text;
            }
            else
            {
                lines ??= [];
                if (single is not null)
                {
                    lines.Add(single);
                    single = null;
                }
                lines.Add(text);
            }
            if (last)
                break;
        }
        _start += position;
        if (_start == _end)
            _start = _end = 0;
        reply = new SmtpReply(code, lines is null ? [single!] : lines);
        return true;
    }

    static string Printable(ReadOnlySpan<byte> line)
    {
        var text = Encoding.UTF8.GetString(line[..Math.Min(line.Length, 80)]);
        return new string(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
            ArrayPool<byte>.Shared.Return(buffer);
    }
}
