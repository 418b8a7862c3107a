using Digest.TestSupport;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Digest.Mailer.Tests.Smtp;

/// <summary>
/// An SMTP server on loopback that plays a script, one connection:
/// <c>S: text</c> sends a reply line (consecutive S: lines go out in one write, as a pipelining
/// server or an attacker would send them); <c>C: text</c> reads a line and compares it (<c>*</c>
/// matches anything); <c>C: &lt;DATA&gt;</c> reads message data up to the final dot;
/// <c>!tls</c> does the server side of a TLS handshake; <c>!close</c> hangs up;
/// <c>!eof</c> expects the client to hang up; <c>!hold</c> stays silent until the client hangs up;
/// <c>!next</c> hangs up and plays the rest of the script to the next connection.
/// Lines starting with # or @ are not for the server.
/// </summary>
internal sealed class ScriptedServer : IAsyncDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly List<string> _script;
    readonly TestCertificate? _certificate;
    readonly Task _run;
    readonly List<string> _errors = [];
    readonly List<string> _data = [];

    public ScriptedServer(IEnumerable<string> script, TestCertificate? certificate = null)
    {
        _script = script.Where(l => l.Length > 0 && l[0] != '#' && l[0] != '@').ToList();
        _certificate = certificate;
        _listener.Start();
        _run = RunAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Message data as received, dot-stuffing and all, without the final dot line.</summary>
    public IReadOnlyList<string> Data => _data;

    /// <summary>Waits for the script to end and returns what went wrong (nothing, if the client followed it).</summary>
    public async Task<IReadOnlyList<string>> FinishAsync(TimeSpan timeout)
    {
        if (await Task.WhenAny(_run, Task.Delay(timeout)) != _run)
            _errors.Add($"the script did not finish within {timeout}; the client stopped following it");
        return _errors;
    }

    async Task RunAsync()
    {
        var position = 0;
        while (position < _script.Count && _errors.Count == 0)
            position = await PlayConnectionAsync(position);
    }

    /// <summary>Plays the script from <paramref name="position"/> to one connection; returns where the next connection starts.</summary>
    async Task<int> PlayConnectionAsync(int position)
    {
        using var client = await _listener.AcceptTcpClientAsync();
        Stream stream = client.GetStream();
        var reader = new LineReader(stream);
        var pending = new StringBuilder();
        try
        {
            for (; position < _script.Count; position++)
            {
                var line = _script[position];
                if (line.StartsWith("S: ", StringComparison.Ordinal))
                {
                    pending.Append(line[3..]).Append("\r\n");
                    continue;
                }
                await FlushAsync(stream, pending);
                if (line.StartsWith("C: ", StringComparison.Ordinal))
                {
                    var expected = line[3..];
                    if (expected == "<DATA>")
                    {
                        _data.Add(await reader.ReadDataAsync());
                        continue;
                    }
                    var received = await reader.ReadLineAsync();
                    if (received is null)
                        throw new ScriptException($"expected \"{expected}\", but the client hung up");
                    if (!Matches(expected, received))
                        throw new ScriptException($"expected \"{expected}\", got \"{received}\"");
                }
                else if (line == "!tls")
                {
                    var tls = new SslStream(stream);
                    await tls.AuthenticateAsServerAsync(_certificate!.ServerCertificate);
                    stream = tls;
                    reader = new LineReader(stream);
                }
                else if (line == "!close")
                {
                    return _script.Count;
                }
                else if (line == "!next")
                {
                    return position + 1;
                }
                else if (line is "!eof" or "!hold")
                {
                    var received = await reader.ReadLineAsync();
                    if (received is not null)
                        throw new ScriptException($"expected the client to hang up, got \"{received}\"");
                }
                else
                {
                    throw new ScriptException($"unknown script line \"{line}\"");
                }
            }
            await FlushAsync(stream, pending);
        }
        catch (ScriptException e)
        {
            _errors.Add($"line {position + 1} of the script: {e.Message}");
        }
        catch (Exception e) when (e is IOException or SocketException or System.Security.Authentication.AuthenticationException)
        {
            _errors.Add($"line {position + 1} of the script ({_script.ElementAtOrDefault(position)}): {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            stream.Dispose();
        }
        return _script.Count;
    }

    static async Task FlushAsync(Stream stream, StringBuilder pending)
    {
        if (pending.Length == 0)
            return;
        await stream.WriteAsync(Encoding.UTF8.GetBytes(pending.ToString()));
        pending.Clear();
    }

    static bool Matches(string expected, string received) =>
        Regex.IsMatch(received, "^" + string.Join(".*", expected.Split('*').Select(Regex.Escape)) + "$", RegexOptions.None, TimeSpan.FromSeconds(1));

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await Task.WhenAny(_run, Task.Delay(TimeSpan.FromSeconds(5)));
        _listener.Dispose();
    }

    sealed class ScriptException(string message) : Exception(message);

    /// <summary>Reads CRLF lines byte by byte, so nothing after a line is consumed before TLS starts.</summary>
    sealed class LineReader(Stream stream)
    {
        readonly byte[] _one = new byte[1];

        public async Task<string?> ReadLineAsync()
        {
            var line = new List<byte>();
            while (true)
            {
                if (await stream.ReadAsync(_one) == 0)
                    return line.Count == 0 ? null : throw new ScriptException($"the client hung up in the middle of \"{Encoding.UTF8.GetString([.. line])}\"");
                if (_one[0] == '\n' && line.Count > 0 && line[^1] == '\r')
                    return Encoding.UTF8.GetString([.. line.Take(line.Count - 1)]);
                line.Add(_one[0]);
            }
        }

        public async Task<string> ReadDataAsync()
        {
            var data = new StringBuilder();
            while (true)
            {
                var line = await ReadLineAsync() ?? throw new ScriptException("the client hung up in the middle of the message");
                if (line == ".")
                    return data.ToString();
                data.Append(line).Append("\r\n");
            }
        }
    }
}
