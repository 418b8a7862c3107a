using System.Buffers;
using System.Text;

namespace Digest.Mailer.Mime;

/// <summary>
/// A message's bytes in one array rented from the pool: written once, signed in place, then handed
/// to the socket in one write. Headroom in front lets the DKIM-Signature header be prepended without
/// moving the message, and room at the end takes SMTP's terminating dot.
/// </summary>
internal sealed class MessageBuffer : IBufferWriter<byte>, IDisposable
{
    const int DefaultHeadroom = 1024;
    readonly ArrayPool<byte> _pool;
    byte[] _array;
    int _start;
    int _end;

    /// <param name="pool">Where its arrays come from and go back to; the shared pool when not given.</param>
    public MessageBuffer(int capacity = 32 * 1024, int headroom = DefaultHeadroom, ArrayPool<byte>? pool = null)
    {
        _pool = pool ?? ArrayPool<byte>.Shared;
        _array = _pool.Rent(capacity + headroom);
        _start = _end = headroom;
    }

    public int Length => _end - _start;
    public ReadOnlySpan<byte> Span => _array.AsSpan(_start, _end - _start);
    public ReadOnlyMemory<byte> Memory => _array.AsMemory(_start, _end - _start);

    public void Advance(int count) => _end += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(Math.Max(sizeHint, 1));
        return _array.AsMemory(_end);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(Math.Max(sizeHint, 1));
        return _array.AsSpan(_end);
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        Reserve(bytes.Length);
        bytes.CopyTo(_array.AsSpan(_end));
        _end += bytes.Length;
    }

    public void Write(byte value)
    {
        Reserve(1);
        _array[_end++] = value;
    }

    /// <summary>Writes text whose characters are all ASCII (checked by the caller), one byte each.</summary>
    public void WriteAscii(ReadOnlySpan<char> ascii)
    {
        Reserve(ascii.Length);
        _end += Encoding.ASCII.GetBytes(ascii, _array.AsSpan(_end));
    }

    public void WriteUtf8(ReadOnlySpan<char> text)
    {
        Reserve(Encoding.UTF8.GetMaxByteCount(text.Length));
        _end += Encoding.UTF8.GetBytes(text, _array.AsSpan(_end));
    }

    /// <summary>Puts bytes in front of what is written: into the headroom when they fit.</summary>
    public void Prepend(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > _start)
        {
            var length = Length;
            var larger = _pool.Rent(bytes.Length + length + DefaultHeadroom);
            _array.AsSpan(_start, length).CopyTo(larger.AsSpan(bytes.Length + DefaultHeadroom));
            _pool.Return(_array);
            _array = larger;
            _start = bytes.Length + DefaultHeadroom;
            _end = _start + length;
        }
        _start -= bytes.Length;
        bytes.CopyTo(_array.AsSpan(_start));
    }

    /// <summary>Forgets what was written after <paramref name="length"/> bytes.</summary>
    public void Truncate(int length) => _end = _start + length;

    void Reserve(int count)
    {
        if (_array.Length - _end >= count)
            return;
        var length = Length;
        var larger = _pool.Rent(Math.Max(_array.Length * 2, _start + length + count));
        _array.AsSpan(_start, length).CopyTo(larger.AsSpan(_start));
        _pool.Return(_array);
        _array = larger;
    }

    public void Dispose()
    {
        var array = _array;
        _array = [];
        _start = _end = 0;
        if (array.Length > 0)
            _pool.Return(array);
    }
}
