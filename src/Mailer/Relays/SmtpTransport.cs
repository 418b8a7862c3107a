using Digest.Mailer.Mime;
using Digest.Mailer.Smtp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Digest.Mailer.Relays;

/// <summary>
/// Sends through one or more SMTP relays over pooled, pipelined connections. Each message is
/// written once; a relay is chosen by weight among those reachable, and when one cannot be
/// reached the message goes to the next. Safe for many concurrent senders.
/// </summary>
public sealed class SmtpTransport : IMailTransport, IAsyncDisposable
{
    readonly MessageWriter _writer;
    readonly Relay[] _relays;

    public SmtpTransport(MailerOptions options, MessageWriter writer, ILoggerFactory? loggers = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Relays.Count == 0)
            throw new ArgumentException("At least one relay is needed.", nameof(options));
        _writer = writer;
        loggers ??= NullLoggerFactory.Instance;
        var logger = loggers.CreateLogger<SmtpTransport>();
        var protocol = options.ProtocolLog ? loggers.CreateLogger(ProtocolLog.Category) : null;
        var time = timeProvider ?? TimeProvider.System;
        _relays = options.Relays.Select(r => new Relay(r, writer, logger, protocol, time, options.RelayRetryAfter, options.SenderRefusedRetryAfter)).ToArray();
    }

    public async Task<SendResult> SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        using var outgoing = _writer.Write(message);
        var tried = new List<string>(1);
        SendResult? refused = null;
        foreach (var relay in Order())
        {
            var result = await relay.SendAsync(outgoing, cancellationToken);
            // A relay that refuses the sender would refuse it for every message: another may not.
            if (result is { Fault: Fault.Sender })
            {
                refused = result;
                continue;
            }
            if (result is not null)
                return result;
            tried.Add(relay.Name);
        }
        if (refused is not null)
            return refused;
        if (_relays.Select(r => r.Refusal).FirstOrDefault(r => r is not null) is { } refusal)
            return SendResult.ForAll(outgoing.MessageId, outgoing.Recipients, DeliveryOutcome.Deferred, Fault.Sender, refusal);
        var detail = tried.Count == 0
            ? "421 4.4.1 Every relay is left out after failing to connect; try again later"
            : $"421 4.4.1 No relay could be reached ({string.Join(", ", tried)})";
        return SendResult.ForAll(outgoing.MessageId, outgoing.Recipients, DeliveryOutcome.Deferred, Fault.Transient, detail);
    }

    /// <summary>The relays that refuse the sender or its setup right now, with their last reply (for logs and stats).</summary>
    public IReadOnlyList<string> Refusals => _relays.Select(r => r.Refusal).OfType<string>().ToArray();

    /// <summary>The reachable relays, each drawn with a chance proportional to its weight among those left.</summary>
    IEnumerable<Relay> Order()
    {
        if (_relays.Length == 1)
        {
            if (_relays[0].IsAvailable)
                yield return _relays[0];
            yield break;
        }
        var candidates = _relays.Where(r => r.IsAvailable).ToList();
        while (candidates.Count > 0)
        {
            var draw = Random.Shared.Next(candidates.Sum(r => r.Weight));
            var index = 0;
            while (draw >= candidates[index].Weight)
                draw -= candidates[index++].Weight;
            yield return candidates[index];
            candidates.RemoveAt(index);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var relay in _relays)
            await relay.DisposeAsync();
    }
}
