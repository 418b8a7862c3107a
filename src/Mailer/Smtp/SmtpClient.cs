using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Digest.Mailer.Mime;
using Microsoft.Extensions.Logging;

namespace Digest.Mailer.Smtp;

/// <summary>
/// One SMTP session with a relay: connect (greeting, EHLO or HELO, STARTTLS, AUTH), then any number
/// of messages (pipelined when the server allows), then QUIT. Not for concurrent use: the pool
/// gives each connection to one sender at a time.
/// </summary>
public sealed partial class SmtpClient : IAsyncDisposable
{
    static long _connections;

    readonly SmtpClientOptions _options;
    readonly MessageWriter _writer;
    readonly TimeProvider _time;
    readonly ReplyReader _reader = new();
    readonly MessageBuffer _commands = new(1024, headroom: 0);
    // Every I/O call takes _abort's token; a per-step timer (or the caller's token) cancels it,
    // which also ends the session: after a timeout its state is unknown.
    readonly CancellationTokenSource _abort = new();
    readonly ITimer _timer;
    string _step = "";
    bool _timedOut;
    Socket? _socket;
    Stream? _stream;
    bool _closed;

    public SmtpClient(SmtpClientOptions options, MessageWriter? writer = null, ILogger? protocolLogger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _writer = writer ?? new MessageWriter();
        _time = timeProvider ?? TimeProvider.System;
        _timer = _time.CreateTimer(static state => ((SmtpClient)state!).OnTimeout(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        var id = Interlocked.Increment(ref _connections);
        if (protocolLogger is not null)
            Log = new ProtocolLog(protocolLogger, $"{options.Host}:{options.Port}#{id}");
        LastUsed = _time.GetTimestamp();
    }

    public ProtocolLog? Log { get; }
    public SmtpCapabilities Capabilities { get; private set; } = SmtpCapabilities.None;
    /// <summary>
    /// Open and fit for another command. Not once <c>_abort</c> is cancelled: a caller's
    /// cancellation can land just after its send's last reply, before its registration is gone,
    /// and every later read or write on the connection would then fail at once with that
    /// cancellation as if it were the next sender's own (seen when a cancelled sender's connection
    /// was handed to the one waiting behind it).
    /// </summary>
    public bool IsConnected => _stream is not null && !_closed && !_abort.IsCancellationRequested;
    public bool IsSecure { get; private set; }
    public bool IsAuthenticated { get; private set; }

    /// <summary>Messages this session has completed (a reply to the final dot was read).</summary>
    public int MessagesSent { get; private set; }

    /// <summary>When the session last finished an exchange (<see cref="TimeProvider.GetTimestamp"/>).</summary>
    internal long LastUsed { get; private set; }

    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        if (_stream is not null || _closed)
            throw new InvalidOperationException("An SmtpClient connects once; create another for a new session.");
        using var caller = Link(cancellationToken);
        try
        {
            Arm(_options.Timeouts.Connect, $"connecting to {_options.Host}:{_options.Port}");
            _socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await _socket.ConnectAsync(_options.Host, _options.Port, _abort.Token);
            _stream = new NetworkStream(_socket, ownsSocket: true);
            _reader.Stream = _stream;
            Disarm();
            if (_options.Tls == TlsMode.Implicit)
                await HandshakeAsync();

            var greeting = await ReadAsync(_options.Timeouts.Greeting, "the greeting");
            if (greeting.Code != 220)
                throw new SmtpException($"{_options.Host} refused the session", greeting);
            await HelloAsync();

            if (!IsSecure && _options.Tls is TlsMode.Opportunistic or TlsMode.Required)
                await StartTlsAsync();
            if (!string.IsNullOrEmpty(_options.UserName))
                await AuthenticateAsync();
        }
        catch (Exception e)
        {
            Close();
            throw Translate(e, cancellationToken);
        }
    }

    async Task HelloAsync()
    {
        var name = HeloName();
        Append($"EHLO {name}");
        await FlushAsync(_options.Timeouts.Command);
        var reply = await ReadAsync(_options.Timeouts.Command, "the reply to EHLO");
        if (reply.Code == 250)
        {
            Capabilities = SmtpCapabilities.Parse(reply);
            return;
        }
        // A server without ESMTP rejects EHLO (RFC 5321 §3.2): greet it the old way.
        Append($"HELO {name}");
        await FlushAsync(_options.Timeouts.Command);
        reply = await ReadAsync(_options.Timeouts.Command, "the reply to HELO");
        if (reply.Code != 250)
            throw new SmtpException($"{_options.Host} refused EHLO and HELO", reply);
        Capabilities = SmtpCapabilities.None;
    }

    async Task StartTlsAsync()
    {
        if (!Capabilities.StartTls)
        {
            if (_options.Tls == TlsMode.Required)
                throw new SmtpException($"TLS is required, but {_options.Host} does not offer STARTTLS");
            return;
        }
        Append("STARTTLS");
        await FlushAsync(_options.Timeouts.Command);
        var reply = await ReadAsync(_options.Timeouts.Command, "the reply to STARTTLS");
        if (reply.Code != 220)
        {
            if (_options.Tls == TlsMode.Required)
                throw new SmtpException($"TLS is required, but {_options.Host} refused STARTTLS", reply);
            return;
        }
        // Anything the server sent after its 220 came before encryption: an attacker's injection
        // (CVE-2011-0411). It must not be read as a reply inside the TLS session.
        if (_reader.Buffered > 0)
        {
            Log?.Note($"discarding {_reader.Buffered} bytes the server sent after 220 to STARTTLS");
            _reader.Discard();
        }
        await HandshakeAsync();
        // RFC 3207 §4.2: forget what was learnt before TLS and ask again.
        Capabilities = SmtpCapabilities.None;
        await HelloAsync();
    }

    async Task HandshakeAsync()
    {
        var tls = new SslStream(_stream!, leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions { TargetHost = _options.Host };
        if (!string.IsNullOrEmpty(_options.TrustedCertificatePath))
        {
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(LoadPem(_options.TrustedCertificatePath));
            options.CertificateChainPolicy = policy;
        }
        Arm(_options.Timeouts.Connect, "the TLS handshake");
        await tls.AuthenticateAsClientAsync(options, _abort.Token);
        Disarm();
        _stream = tls;
        _reader.Stream = tls;
        IsSecure = true;
        Log?.Note($"TLS established: {tls.SslProtocol}, {tls.NegotiatedCipherSuite}");
    }

    static X509Certificate2Collection LoadPem(string path)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(path);
        return certificates;
    }

    async Task AuthenticateAsync()
    {
        if (!IsSecure && !_options.AllowPlaintextAuth)
            throw new SmtpException($"Refusing to send credentials to {_options.Host} over an unencrypted connection: use Tls Required or Implicit (or AllowPlaintextAuth for a relay on this host)");
        var user = _options.UserName!;
        var password = _options.Password ?? "";
        SmtpReply reply;
        if (Capabilities.AuthMechanisms.Contains("PLAIN"))
        {
            var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));
            Append($"AUTH PLAIN {token}");
            await FlushAsync(_options.Timeouts.Command, redacted: "AUTH PLAIN ********");
            reply = await ReadAsync(_options.Timeouts.Command, "the reply to AUTH");
            if (reply.Code == 334)
            {
                Append(token);
                await FlushAsync(_options.Timeouts.Command, redacted: "********");
                reply = await ReadAsync(_options.Timeouts.Command, "the reply to AUTH");
            }
        }
        else if (Capabilities.AuthMechanisms.Contains("LOGIN"))
        {
            Append("AUTH LOGIN");
            await FlushAsync(_options.Timeouts.Command);
            reply = await ReadAsync(_options.Timeouts.Command, "the reply to AUTH");
            foreach (var secret in new[] { user, password })
            {
                if (reply.Code != 334)
                    break;
                Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)));
                await FlushAsync(_options.Timeouts.Command, redacted: "********");
                reply = await ReadAsync(_options.Timeouts.Command, "the reply to AUTH");
            }
        }
        else
        {
            throw new SmtpException($"{_options.Host} offers no AUTH mechanism this client speaks (PLAIN, LOGIN); it offers: {string.Join(' ', Capabilities.AuthMechanisms)}");
        }
        if (reply.Code != 235)
            throw new SmtpException($"{_options.Host} refused the credentials of {user}", reply);
        IsAuthenticated = true;
    }

    /// <summary>QUIT, then close. Never throws: the session is over either way.</summary>
    public async Task DisconnectAsync(CancellationToken cancellationToken = default)
    {
        if (!IsConnected)
        {
            Close();
            return;
        }
        using var caller = Link(cancellationToken);
        try
        {
            Append("QUIT");
            await FlushAsync(_options.Timeouts.Command);
            await ReadAsync(_options.Timeouts.Command, "the reply to QUIT");
        }
        catch (Exception e) when (e is IOException or SocketException or SmtpException or OperationCanceledException or ObjectDisposedException)
        {
            Log?.Note($"QUIT: {e.Message}");
        }
        finally
        {
            Close();
        }
    }

    string HeloName()
    {
        if (!string.IsNullOrWhiteSpace(_options.HeloName))
            return _options.HeloName;
        var host = Dns.GetHostName();
        if (host.Contains('.', StringComparison.Ordinal))
            return host;
        // RFC 5321 §4.1.4: without a domain name, the address literal of this end of the connection.
        return _socket?.LocalEndPoint is IPEndPoint local
            ? local.AddressFamily == AddressFamily.InterNetworkV6 ? $"[IPv6:{local.Address}]" : $"[{local.Address}]"
            : "[127.0.0.1]";
    }

    void Append(string line)
    {
        _commands.WriteUtf8(line);
        _commands.Write("\r\n"u8);
    }

    async ValueTask FlushAsync(TimeSpan timeout, string? redacted = null)
    {
        if (Log is not null)
        {
            if (redacted is null)
                Log.Client(_commands.Span);
            else
                Log.ClientRedacted(redacted);
        }
        Arm(timeout, "sending a command");
        await _stream!.WriteAsync(_commands.Memory, _abort.Token);
        Disarm();
        _commands.Truncate(0);
    }

    async ValueTask<SmtpReply> ReadAsync(TimeSpan timeout, string step)
    {
        Arm(timeout, step);
        var reply = await _reader.ReadAsync(_abort.Token);
        Disarm();
        Log?.Server(reply);
        LastUsed = _time.GetTimestamp();
        return reply;
    }

    void Arm(TimeSpan timeout, string step)
    {
        _step = step;
        _timer.Change(timeout, Timeout.InfiniteTimeSpan);
    }

    void Disarm() => _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    void OnTimeout()
    {
        _timedOut = true;
        Log?.Note($"timed out waiting for {_step}");
        _abort.Cancel();
    }

    CancellationTokenRegistration Link(CancellationToken cancellationToken) =>
        cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((SmtpClient)state!)._abort.Cancel(), this)
            : default;

    /// <summary>Timeouts and the caller's cancellation reach us as the same cancellation: tell them apart.</summary>
    Exception Translate(Exception e, CancellationToken cancellationToken)
    {
        if (e is OperationCanceledException or ObjectDisposedException or IOException && _abort.IsCancellationRequested)
        {
            if (cancellationToken.IsCancellationRequested)
                return new OperationCanceledException("The caller cancelled", e, cancellationToken);
            if (_timedOut)
                return new TimeoutException($"{_options.Host}:{_options.Port}: no answer while {_step} within the time RFC 5321 allows", e);
        }
        return e;
    }

    void Close()
    {
        if (_closed)
            return;
        _closed = true;
        _timer.Dispose();
        try
        {
            _stream?.Dispose();
            _socket?.Dispose();
        }
        catch (IOException)
        {
        }
        _reader.Dispose();
        _commands.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Close();
        _abort.Dispose();
        return ValueTask.CompletedTask;
    }
}
