using System.Globalization;
using System.Net.Sockets;
using System.Security.Authentication;
using Digest.Mailer.Mime;

namespace Digest.Mailer.Smtp;

public sealed partial class SmtpClient
{
    // A transaction that did not reach its final reply leaves the server mid-transaction: RSET
    // before the next MAIL. After a completed one the server has reset itself (RFC 5321 §4.1.1.4).
    bool _transactionOpen;

    /// <summary>Where a transaction stood when it broke off: before the final dot nothing can have been delivered.</summary>
    enum Stage
    {
        Envelope,
        Content,
        AfterFinalDot,
    }

    /// <summary>
    /// Why the last send ended early: the connection was lost or the server sent 421 before the
    /// final dot. Such a message is safe to try again at once on a fresh connection (a reused
    /// connection may simply have been closed by the server while idle).
    /// </summary>
    internal bool LastSendLostConnection { get; private set; }

    /// <summary>
    /// Writes and sends one message. Delivery problems come back as outcomes, never as
    /// exceptions; an invalid message throws <see cref="InvalidMessageException"/> before anything
    /// is sent.
    /// </summary>
    public async Task<SendResult> SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        using var outgoing = _writer.Write(message);
        return await SendAsync(outgoing, next: null, cancellationToken);
    }

    /// <summary>
    /// The message whose envelope went out behind the last one's final dot (RFC 2920 §3.1): its
    /// <see cref="SendAsync(OutgoingMessage, Func{OutgoingMessage?}?, CancellationToken)"/> reads
    /// the replies instead of writing the commands. Only that message may be sent next.
    /// </summary>
    OutgoingMessage? _pipelined;

    /// <summary>The message whose envelope is under way on this connection, if any: the only one it may send next.</summary>
    internal OutgoingMessage? Pipelined => _pipelined;

    /// <summary>Whether <paramref name="next"/> could have its envelope sent behind this connection's next final dot.</summary>
    internal bool CanPipeline(OutgoingMessage next) =>
        Capabilities.Pipelining && IsConnected && Unsendable(next) is null;

    /// <summary>Why this server cannot take <paramref name="message"/> as written (an SMTP-style reply), or null.</summary>
    string? Unsendable(OutgoingMessage message)
    {
        if (message.NeedsSmtpUtf8 && !Capabilities.SmtpUtf8)
            return $"553 5.6.7 {_options.Host} does not offer SMTPUTF8, which an internationalised address needs (RFC 6531)";
        if (Capabilities.MaxSize is { } limit && message.Content.Length > limit)
            return $"552 5.3.4 The message has {message.Content.Length} bytes; {_options.Host} takes at most {limit}";
        return null;
    }

    /// <param name="next">
    /// Asked once the message is ready to go: the message to send next on this connection, whose
    /// MAIL, RCPT and DATA then follow this message's final dot without waiting for its reply
    /// (RFC 2920 §3.1: message content may open a group), saving a round trip a message. Null for
    /// none. Only a message <see cref="CanPipeline"/> accepts may be given.
    /// </param>
    internal async Task<SendResult> SendAsync(OutgoingMessage message, Func<OutgoingMessage?>? next, CancellationToken cancellationToken)
    {
        if (!IsConnected)
            throw new InvalidOperationException("Connect before sending.");
        if (_pipelined is not null && !ReferenceEquals(_pipelined, message))
            throw new InvalidOperationException("Another message's envelope is under way on this connection; send that one next.");
        LastSendLostConnection = false;
        var recipients = message.Recipients;
        if (Unsendable(message) is { } refusal)
            return Refused(message, refusal);

        var replies = new SmtpReply?[recipients.Count];
        var stage = Stage.Envelope;
        using var caller = Link(cancellationToken);
        try
        {
            var pipelined = ReferenceEquals(_pipelined, message);
            _pipelined = null;
            var (mail, data) = pipelined ? await EnvelopeRepliesAsync(replies)
                : Capabilities.Pipelining ? await EnvelopePipelinedAsync(message, replies)
                : await EnvelopeOneByOneAsync(message, replies);
            // A refused MAIL decides for everyone; the 503s that pipelined RCPTs drew say nothing more.
            if (!mail.IsPositive)
                return Result(message, new SmtpReply?[replies.Length], mail, SmtpStage.MailFrom, mail);
            if (!replies.Any(r => r!.IsPositive))
            {
                if (data?.Code == 354)
                {
                    // Pipelined DATA was accepted with no recipient: end it empty (RFC 2920 §3.1).
                    await WriteDataAsync(null);
                    await ReadAsync(_options.Timeouts.FinalDot, "the reply to an empty message");
                }
                return Result(message, replies, null, SmtpStage.RcptTo, replies.First(r => r is not null)!);
            }
            if (data!.Code != 354)
            {
                if (data.IsPositive)
                    throw new SmtpException("The server answered DATA without asking for the message", data);
                return Result(message, replies, data, SmtpStage.Data, data);
            }
            stage = Stage.Content;
            await WriteDataAsync(message.Content);
            stage = Stage.AfterFinalDot;
            // A write of its own, not the dot's: had the two gone in one write and it failed, whether
            // the dot reached the server could not be told. Nothing waits for a reply between them.
            var following = next?.Invoke();
            if (following is not null)
            {
                AppendEnvelope(following);
                await FlushAsync(_options.Timeouts.Mail);
            }
            var final = await ReadAsync(_options.Timeouts.FinalDot, "the reply to the final dot");
            // The next envelope opened a transaction behind this one, whatever this one's reply.
            _transactionOpen = following is not null;
            if (final.IsServiceClosing)
                Close();
            else
            {
                MessagesSent++;
                _pipelined = following;
            }
            return Result(message, replies, final, SmtpStage.FinalDot, final);
        }
        catch (ServiceClosingException closing)
        {
            Close();
            LastSendLostConnection = stage != Stage.AfterFinalDot;
            return Result(message, replies, closing.Reply, SmtpStage.Session, closing.Reply);
        }
        catch (Exception e) when (e is IOException or SocketException or SmtpException or TimeoutException
                                      or OperationCanceledException or ObjectDisposedException or AuthenticationException)
        {
            Close();
            var error = Translate(e, cancellationToken);
            if (error is OperationCanceledException && stage != Stage.AfterFinalDot)
                throw error;
            // Once the final dot is written the server may have taken the message: resending risks a
            // duplicate, dropping it risks a loss. Only the caller can choose (RFC 1047).
            var outcome = stage == Stage.AfterFinalDot ? DeliveryOutcome.Unknown : DeliveryOutcome.Deferred;
            LastSendLostConnection = outcome == DeliveryOutcome.Deferred;
            var detail = outcome == DeliveryOutcome.Unknown
                ? $"Connection lost after the final dot, before the reply: {error.Message}"
                : $"Connection lost before the message was sent: {error.Message}";
            return Lost(message, replies, outcome, detail);
        }
    }

    async Task<(SmtpReply Mail, SmtpReply? Data)> EnvelopePipelinedAsync(OutgoingMessage message, SmtpReply?[] replies)
    {
        // RFC 2920: MAIL, every RCPT and DATA in one write; then every reply, in order.
        var reset = _transactionOpen;
        if (reset)
            Append("RSET");
        AppendEnvelope(message);
        await FlushAsync(_options.Timeouts.Mail);
        if (reset)
            await ResetReplyAsync();
        _transactionOpen = true;
        return await EnvelopeRepliesAsync(replies);
    }

    /// <summary>MAIL, every RCPT and DATA, for one pipelined write.</summary>
    void AppendEnvelope(OutgoingMessage message)
    {
        AppendMailFrom(message);
        foreach (var recipient in message.Recipients)
            AppendRcptTo(recipient);
        Append("DATA");
    }

    /// <summary>The replies to a pipelined envelope, in order.</summary>
    async Task<(SmtpReply Mail, SmtpReply? Data)> EnvelopeRepliesAsync(SmtpReply?[] replies)
    {
        var mail = Checked(await ReadAsync(_options.Timeouts.Mail, "the reply to MAIL"));
        for (var i = 0; i < replies.Length; i++)
            replies[i] = Checked(await ReadAsync(_options.Timeouts.Rcpt, "the reply to RCPT"));
        var data = Checked(await ReadAsync(_options.Timeouts.Data, "the reply to DATA"));
        return (mail, data);
    }

    async Task<(SmtpReply Mail, SmtpReply? Data)> EnvelopeOneByOneAsync(OutgoingMessage message, SmtpReply?[] replies)
    {
        if (_transactionOpen)
        {
            Append("RSET");
            await FlushAsync(_options.Timeouts.Command);
            await ResetReplyAsync();
        }
        _transactionOpen = true;
        AppendMailFrom(message);
        await FlushAsync(_options.Timeouts.Mail);
        var mail = Checked(await ReadAsync(_options.Timeouts.Mail, "the reply to MAIL"));
        if (!mail.IsPositive)
            return (mail, null);
        var accepted = false;
        for (var i = 0; i < replies.Length; i++)
        {
            AppendRcptTo(message.Recipients[i]);
            await FlushAsync(_options.Timeouts.Rcpt);
            replies[i] = Checked(await ReadAsync(_options.Timeouts.Rcpt, "the reply to RCPT"));
            accepted |= replies[i]!.IsPositive;
        }
        if (!accepted)
            return (mail, null);
        Append("DATA");
        await FlushAsync(_options.Timeouts.Data);
        return (mail, Checked(await ReadAsync(_options.Timeouts.Data, "the reply to DATA")));
    }

    async Task ResetReplyAsync()
    {
        var reply = Checked(await ReadAsync(_options.Timeouts.Command, "the reply to RSET"));
        if (reply.Code != 250)
            throw new SmtpException("The server refused RSET", reply);
    }

    void AppendMailFrom(OutgoingMessage message)
    {
        _commands.Write("MAIL FROM:<"u8);
        _commands.WriteUtf8(message.EnvelopeFrom.Address);
        _commands.Write((byte)'>');
        if (Capabilities.SizeExtension)
        {
            _commands.Write(" SIZE="u8);
            Span<char> digits = stackalloc char[20];
            message.Content.Length.TryFormat(digits, out var written, provider: CultureInfo.InvariantCulture);
            _commands.WriteAscii(digits[..written]);
        }
        if (message.NeedsSmtpUtf8)
            _commands.Write(" SMTPUTF8"u8);
        // 8BITMIME only when there is 8-bit content to declare, which only UTF-8 addresses produce.
        if (message.HasEightBitOctets && Capabilities.EightBitMime)
            _commands.Write(" BODY=8BITMIME"u8);
        _commands.Write("\r\n"u8);
    }

    void AppendRcptTo(MailboxAddress recipient)
    {
        _commands.Write("RCPT TO:<"u8);
        _commands.WriteUtf8(recipient.Address);
        _commands.Write(">\r\n"u8);
    }

    /// <summary>Writes the message, dot-stuffed, and the final dot in one write; null writes the dot alone.</summary>
    async Task WriteDataAsync(MessageBuffer? content)
    {
        Log?.Note(content is null ? "C: ." : $"C: <message, {content.Length} bytes>");
        Arm(_options.Timeouts.DataBlock, "sending the message");
        if (content is null)
        {
            await _stream!.WriteAsync(".\r\n"u8.ToArray(), _abort.Token);
        }
        else if (!DotStuffing.IsNeeded(content.Span) && content.Span.EndsWith("\r\n"u8))
        {
            // The terminator goes after the message in its own buffer, then is taken off again, so a
            // retry on another connection sends the same bytes.
            var length = content.Length;
            content.Write(".\r\n"u8);
            try
            {
                await _stream!.WriteAsync(content.Memory, _abort.Token);
            }
            finally
            {
                content.Truncate(length);
            }
        }
        else
        {
            using var stuffed = new MessageBuffer(content.Length + content.Length / 64 + 8, headroom: 0);
            DotStuffing.Write(stuffed, content.Span);
            if (!content.Span.EndsWith("\r\n"u8))
                stuffed.Write("\r\n"u8);
            stuffed.Write(".\r\n"u8);
            await _stream!.WriteAsync(stuffed.Memory, _abort.Token);
        }
        Disarm();
    }

    static SmtpReply Checked(SmtpReply reply) =>
        reply.IsServiceClosing ? throw new ServiceClosingException(reply) : reply;

    /// <summary>
    /// Every recipient's result from the replies so far; <paramref name="common"/> (the reply at
    /// <paramref name="commonStage"/>) decides for those RCPT accepted.
    /// </summary>
    static SendResult Result(OutgoingMessage message, SmtpReply?[] replies, SmtpReply? common, SmtpStage commonStage, SmtpReply detail)
    {
        var results = new RecipientResult[replies.Length];
        for (var i = 0; i < replies.Length; i++)
        {
            var own = replies[i] is { } rcpt && (!rcpt.IsPositive || common is null);
            var reply = own ? replies[i]! : common ?? detail;
            var stage = own ? SmtpStage.RcptTo : commonStage;
            results[i] = new RecipientResult(message.Recipients[i], reply.Outcome, reply.ToString(), reply.Fault(stage));
        }
        return SendResult.FromRecipients(message.MessageId, results, detail.ToString());
    }

    static SendResult Lost(OutgoingMessage message, SmtpReply?[] replies, DeliveryOutcome outcome, string detail)
    {
        var results = new RecipientResult[replies.Length];
        for (var i = 0; i < replies.Length; i++)
        {
            results[i] = replies[i] is { IsPositive: false } refused
                ? new RecipientResult(message.Recipients[i], refused.Outcome, refused.ToString(), refused.Fault(SmtpStage.RcptTo))
                : new RecipientResult(message.Recipients[i], outcome, detail, outcome == DeliveryOutcome.Unknown ? Fault.None : Fault.Transient);
        }
        return SendResult.FromRecipients(message.MessageId, results, detail);
    }

    /// <summary>Refused here, before the relay saw it: this message can never go through this relay as written.</summary>
    static SendResult Refused(OutgoingMessage message, string detail) =>
        SendResult.ForAll(message.MessageId, message.Recipients, DeliveryOutcome.Failed, Fault.Message, detail);

    /// <summary>A 421 (RFC 5321 §3.8): the server is closing the connection, whatever the command was.</summary>
    sealed class ServiceClosingException(SmtpReply reply) : Exception(reply.ToString())
    {
        public SmtpReply Reply { get; } = reply;
    }
}
