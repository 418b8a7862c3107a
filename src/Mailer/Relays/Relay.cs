using Digest.Mailer.Mime;
using Digest.Mailer.Smtp;
using Microsoft.Extensions.Logging;

namespace Digest.Mailer.Relays;

/// <summary>
/// One relay and its connections: at most <see cref="RelayOptions.Connections"/> at a time, idle
/// ones kept for reuse (most recently used first, so a quiet day needs few), each closed after
/// <see cref="RelayOptions.MaxMessagesPerConnection"/> messages or
/// <see cref="RelayOptions.IdleTimeout"/> unused. Safe for many concurrent senders: those beyond
/// the connections wait their turn in order, and a sender done with a connection hands it to the
/// first of them, whose envelope it has already sent behind its own final dot when the relay
/// pipelines (RFC 2920 §3.1): one round trip a message instead of two while senders queue.
/// </summary>
internal sealed class Relay : IAsyncDisposable
{
    readonly RelayOptions _options;
    readonly MessageWriter _writer;
    readonly ILogger _logger;
    readonly ILogger? _protocolLogger;
    readonly TimeProvider _time;
    readonly Stack<SmtpClient> _idle = new();
    // Senders waiting for a connection, oldest first, and how many connections are taken (in use,
    // or being handed on): at most Connections.
    readonly LinkedList<Waiter> _waiting = new();
    int _taken;
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
        var client = await TakeTurnAsync(message, cancellationToken);
        Waiter? following = null;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            // At once on an unpaced relay, the only kind that pipelines.
            await _pacer.WaitAsync(cancellationToken);
            // Held through the pacer's wait, a handed connection may have sat too long.
            if (client is { Pipelined: null } && !IsFresh(client))
            {
                _ = QuitAsync(client);
                client = null;
            }
            for (var attempt = 0; ; attempt++)
            {
                var reused = true;
                if (client is null)
                {
                    client = TakeIdle();
                    reused = client is not null;
                    client ??= await ConnectAsync(cancellationToken);
                }
                if (client is null)
                    return null;
                var sending = client;
                var result = await client.SendAsync(message, following is null ? () => (following = TakeFollowing(sending))?.Message : null, cancellationToken);
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
            await PassOnAsync(client, following);
        }
    }

    /// <summary>
    /// A connection for <paramref name="message"/>: null when one may be opened or taken from the
    /// idle ones, or the connection another sender handed on (perhaps with this message's envelope sent).
    /// </summary>
    async Task<SmtpClient?> TakeTurnAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_taken < _options.Connections)
            {
                _taken++;
                return null;
            }
            waiter = new Waiter(message);
            waiter.Node = _waiting.AddLast(waiter);
        }
        await using var cancel = cancellationToken.UnsafeRegister(static (state, token) =>
        {
            var (relay, waiter) = ((Relay, Waiter))state!;
            // In line or taken as the next on a connection: either way it waits no more (the
            // connection it was taken on then has an envelope nobody will send and is closed).
            lock (relay._gate)
            {
                if (waiter.Node?.List is not null)
                    relay._waiting.Remove(waiter.Node);
            }
            waiter.Turn.TrySetCanceled(token);
        }, (this, waiter));
        return await waiter.Turn.Task;
    }

    /// <summary>
    /// The first waiting sender, taken as the next on <paramref name="client"/> when its envelope can
    /// go behind this message's final dot: not when the relay is paced, the connection is about to
    /// reach its cap, or the relay cannot take that sender's message.
    /// </summary>
    Waiter? TakeFollowing(SmtpClient client)
    {
        if (_pacer.IsPaced || client.MessagesSent + 1 >= _options.MaxMessagesPerConnection)
            return null;
        lock (_gate)
            return _waiting.First?.Value is { } first && client.CanPipeline(first.Message) ? TakeFirstWaiting() : null;
    }

    /// <summary>
    /// Done with <paramref name="client"/> (null: none, or closed): to the sender taken as its next,
    /// else to the first one waiting (a closed connection as none: it opens its own), else back to
    /// the idle ones, freeing the turn.
    /// </summary>
    async Task PassOnAsync(SmtpClient? client, Waiter? following)
    {
        while (true)
        {
            Waiter? next;
            bool usable;
            lock (_gate)
            {
                next = following ?? TakeFirstWaiting();
                following = null;
                usable = IsUsable(client, next);
                if (next is null)
                {
                    _taken--;
                    if (usable && !_disposed)
                    {
                        _idle.Push(client!);
                        return;
                    }
                    break;
                }
            }
            if (next.Turn.TrySetResult(usable ? client : null))
            {
                if (usable || client is null)
                    return;
                break;
            }
            // That sender was cancelled after it was taken out of line: the turn goes to the next.
        }
        if (client is not null)
            await CloseAsync(client);
    }

    /// <summary>
    /// QUIT, or a plain close when an envelope is under way: the server would read QUIT as
    /// the content it is about to ask for.
    /// </summary>
    static async Task CloseAsync(SmtpClient client)
    {
        if (client.Pipelined is null)
            await QuitAsync(client);
        else
            await client.DisposeAsync();
    }

    Waiter? TakeFirstWaiting()
    {
        if (_waiting.First is not { } first)
            return null;
        _waiting.RemoveFirst();
        return first.Value;
    }

    /// <summary>Open, under its cap, and with no envelope under way but <paramref name="next"/>'s own.</summary>
    bool IsUsable(SmtpClient? client, Waiter? next) =>
        client is { IsConnected: true } && client.MessagesSent < _options.MaxMessagesPerConnection
        && (client.Pipelined is null || ReferenceEquals(client.Pipelined, next?.Message));

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
        Waiter[] waiting;
        lock (_gate)
        {
            _disposed = true;
            idle = [.. _idle];
            _idle.Clear();
            waiting = [.. _waiting];
            _waiting.Clear();
        }
        foreach (var waiter in waiting)
            waiter.Turn.TrySetException(new ObjectDisposedException(nameof(Relay)));
        await _sweeper.DisposeAsync();
        await Task.WhenAll(idle.Select(QuitAsync));
    }

    /// <summary>A sender waiting for a connection.</summary>
    sealed class Waiter(OutgoingMessage message)
    {
        public OutgoingMessage Message { get; } = message;
        public LinkedListNode<Waiter>? Node { get; set; }
        public TaskCompletionSource<SmtpClient?> Turn { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
