using Digest.Mailer.Mime;
using Digest.Mailer.Smtp;
using Microsoft.Extensions.Logging;

namespace Digest.Mailer.Relays;

/// <summary>
/// One relay and its connections: at most <see cref="RelayOptions.Connections"/> at a time, idle
/// ones kept for reuse (most recently used first, so a quiet day needs few), each closed after
/// <see cref="RelayOptions.MaxMessagesPerConnection"/> messages or
/// <see cref="RelayOptions.IdleTimeout"/> unused. Safe for many concurrent senders.
/// </summary>
internal sealed class Relay : IAsyncDisposable
{
    readonly RelayOptions _options;
    readonly MessageWriter _writer;
    readonly ILogger _logger;
    readonly ILogger? _protocolLogger;
    readonly TimeProvider _time;
    readonly SemaphoreSlim _slots;
    readonly Stack<SmtpClient> _idle = new();
    readonly Lock _gate = new();
    readonly Pacer _pacer;
    readonly TimeSpan _retryAfter;
    readonly TimeSpan _refusedRetryAfter;
    readonly ITimer _sweeper;
    long _downUntil;
    long _refusedUntil;
    string? _refusal;
    bool _disposed;

    public Relay(RelayOptions options, MessageWriter writer, ILogger logger, ILogger? protocolLogger, TimeProvider time,
        TimeSpan retryAfter, TimeSpan refusedRetryAfter)
    {
        _refusedRetryAfter = refusedRetryAfter;
        _options = options;
        _writer = writer;
        _logger = logger;
        _protocolLogger = protocolLogger;
        _time = time;
        _retryAfter = retryAfter;
        _slots = new SemaphoreSlim(options.Connections, options.Connections);
        _pacer = new Pacer(options.MessagesPerSecond, time);
        var sweep = options.IdleTimeout > TimeSpan.FromSeconds(1) ? options.IdleTimeout / 2 : TimeSpan.FromSeconds(1);
        _sweeper = time.CreateTimer(static state => ((Relay)state!).CloseIdle(), this, sweep, sweep);
    }

    public string Name => $"{_options.Host}:{_options.Port}";
    public int Weight => _options.Weight;

    /// <summary>False for a while after the relay could not be reached or refused the sender, so senders go elsewhere.</summary>
    public bool IsAvailable
    {
        get
        {
            var now = _time.GetTimestamp();
            return now >= Interlocked.Read(ref _downUntil) && now >= Interlocked.Read(ref _refusedUntil);
        }
    }

    /// <summary>While the relay is left out for refusing the sender or its setup: which relay, and what it said.</summary>
    public string? Refusal => _time.GetTimestamp() < Interlocked.Read(ref _refusedUntil) ? Volatile.Read(ref _refusal) : null;

    /// <summary>Connections open now, idle or in use (for tests and metrics).</summary>
    public int IdleConnections
    {
        get
        {
            lock (_gate)
                return _idle.Count;
        }
    }

    /// <summary>Sends over a pooled connection; null when the relay cannot be reached (the caller fails over).</summary>
    public async Task<SendResult?> SendAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        SmtpClient? client = null;
        try
        {
            await _pacer.WaitAsync(cancellationToken);
            for (var attempt = 0; ; attempt++)
            {
                client = TakeIdle();
                var reused = client is not null;
                client ??= await ConnectAsync(cancellationToken);
                if (client is null)
                    return null;
                var result = await client.SendAsync(message, cancellationToken);
                if (result.Fault == Fault.Sender)
                    Refuse(result.Detail);
                // A reused connection may have been closed by the server while it sat idle: nothing
                // was delivered, so try once more on a fresh one.
                if (client.LastSendLostConnection && reused && attempt == 0)
                {
                    await client.DisposeAsync();
                    client = null;
                    continue;
                }
                return result;
            }
        }
        finally
        {
            if (client is not null)
                await ReturnAsync(client);
            _slots.Release();
        }
    }

    async Task<SmtpClient?> ConnectAsync(CancellationToken cancellationToken)
    {
        var client = new SmtpClient(_options, _writer, _protocolLogger, _time);
        try
        {
            await client.ConnectAsync(cancellationToken);
            return client;
        }
        catch (SmtpException e) when (e.Reply is null or { IsPermanent: true } && !cancellationToken.IsCancellationRequested)
        {
            // Reached, but the session cannot be set up as configured (credentials refused, TLS
            // required and not offered): the operator must fix it, and no retry soon will help.
            await client.DisposeAsync();
            Refuse(e.Message);
            return null;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            await client.DisposeAsync();
            Interlocked.Exchange(ref _downUntil, _time.GetTimestamp() + (long)(_retryAfter.TotalSeconds * _time.TimestampFrequency));
            _logger.LogWarning("Relay {Relay} cannot be reached, leaving it out for {RetryAfter}: {Error}", Name, _retryAfter, e.Message);
            return null;
        }
    }

    void Refuse(string reply)
    {
        var detail = $"{Name} refuses the sender or its setup: {reply}";
        Volatile.Write(ref _refusal, detail);
        var until = _time.GetTimestamp() + (long)(_refusedRetryAfter.TotalSeconds * _time.TimestampFrequency);
        if (Interlocked.Exchange(ref _refusedUntil, until) < _time.GetTimestamp())
            _logger.LogError("Relay {Relay} refuses the sender or its setup; its mail is held (nobody is suppressed) and it is tried again in {RetryAfter}. Check the From address, the relay account and its settings. The relay said: {Reply}",
                Name, _refusedRetryAfter, reply);
    }

    SmtpClient? TakeIdle()
    {
        List<SmtpClient>? expired = null;
        SmtpClient? fresh = null;
        lock (_gate)
        {
            while (_idle.TryPop(out var client))
            {
                if (IsFresh(client))
                {
                    fresh = client;
                    break;
                }
                (expired ??= []).Add(client);
            }
        }
        foreach (var client in expired ?? [])
            _ = QuitAsync(client);
        return fresh;
    }

    bool IsFresh(SmtpClient client) =>
        client.IsConnected && _time.GetElapsedTime(client.LastUsed) < _options.IdleTimeout;

    async Task ReturnAsync(SmtpClient client)
    {
        if (client.IsConnected && client.MessagesSent < _options.MaxMessagesPerConnection)
        {
            lock (_gate)
            {
                if (!_disposed)
                {
                    _idle.Push(client);
                    return;
                }
            }
        }
        await QuitAsync(client);
    }

    void CloseIdle()
    {
        List<SmtpClient> expired = [];
        lock (_gate)
        {
            // The stack's bottom holds the longest-idle connections.
            var keep = _idle.Where(IsFresh).Reverse().ToList();
            expired.AddRange(_idle.Where(c => !IsFresh(c)));
            _idle.Clear();
            foreach (var client in keep)
                _idle.Push(client);
        }
        foreach (var client in expired)
            _ = QuitAsync(client);
    }

    static async Task QuitAsync(SmtpClient client)
    {
        await client.DisconnectAsync();
        await client.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        SmtpClient[] idle;
        lock (_gate)
        {
            _disposed = true;
            idle = [.. _idle];
            _idle.Clear();
        }
        await _sweeper.DisposeAsync();
        await Task.WhenAll(idle.Select(QuitAsync));
        _slots.Dispose();
    }
}
