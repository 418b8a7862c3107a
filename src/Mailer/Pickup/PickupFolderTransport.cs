using Digest.Mailer.Mime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Digest.Mailer.Pickup;

/// <summary>
/// Writes each message as an .eml file into a folder (the embedded default, and what a person opens
/// to see the mail). A file appears whole or not at all: it is written under a temporary name in
/// the same folder and renamed.
/// </summary>
public sealed class PickupFolderTransport : IMailTransport
{
    readonly MessageWriter _writer;
    readonly TimeProvider _time;
    readonly ILogger _logger;

    public PickupFolderTransport(string folder, MessageWriter writer, ILogger<PickupFolderTransport>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Folder = Path.GetFullPath(folder);
        _writer = writer;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<PickupFolderTransport>.Instance;
        _logger.LogInformation("No SMTP relay configured: mail is written to {PickupFolder}", Folder);
    }

    public string Folder { get; }

    public async Task<SendResult> SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        using var outgoing = _writer.Write(message);
        var name = $"{_time.GetUtcNow():yyyyMMdd-HHmmss-fff}-{Guid.NewGuid():N}.eml";
        var path = Path.Combine(Folder, name);
        var temporary = Path.Combine(Folder, $".{name}.tmp");
        try
        {
            Directory.CreateDirectory(Folder);
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                // What a delivering MTA does (RFC 5321 4.4), so that .eml tools show where bounces
                // would go. Above the message, so the DKIM signature (which never covers it) holds.
                if (message.EnvelopeFrom is not null)
                    await file.WriteAsync(System.Text.Encoding.UTF8.GetBytes($"Return-Path: <{outgoing.EnvelopeFrom.Address}>\r\n"), cancellationToken);
                await file.WriteAsync(outgoing.Content.Memory, cancellationToken);
                await file.FlushAsync(cancellationToken);
            }
            File.Move(temporary, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            TryDelete(temporary);
            if (e is OperationCanceledException)
                throw;
            // A full disk or a missing permission passes: nothing was written, so retrying is safe.
            var detail = $"Could not write {path}: {e.Message}";
            _logger.LogWarning("{Detail}", detail);
            return SendResult.ForAll(outgoing.MessageId, outgoing.Recipients, DeliveryOutcome.Deferred, Fault.Transient, detail);
        }
        var written = $"Written to {path}";
        return SendResult.ForAll(outgoing.MessageId, outgoing.Recipients, DeliveryOutcome.Sent, Fault.None, written);
    }

    static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
