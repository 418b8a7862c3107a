using System.Text;
using Microsoft.Extensions.Logging;

namespace Digest.Mailer.Smtp;

/// <summary>
/// The SMTP transcript of one connection, line by line ("C:" client, "S:" server), written to a
/// logger: the first thing anyone debugging mail asks for. Credentials never reach it, and message
/// content is summarised by its size.
/// </summary>
public sealed class ProtocolLog(ILogger logger, string connection)
{
    public const string Category = "Digest.Mailer.Smtp.Protocol";

    public string Connection => connection;

    internal void Client(ReadOnlySpan<byte> commands)
    {
        foreach (var range in commands.Split("\r\n"u8))
        {
            var line = commands[range];
            if (!line.IsEmpty)
                logger.LogInformation("{Connection} C: {Line}", connection, Encoding.UTF8.GetString(line));
        }
    }

    internal void ClientRedacted(string visible) => logger.LogInformation("{Connection} C: {Line}", connection, visible);

    internal void Server(SmtpReply reply)
    {
        for (var i = 0; i < reply.Lines.Count; i++)
            logger.LogInformation("{Connection} S: {Code}{Separator}{Line}", connection, reply.Code, i == reply.Lines.Count - 1 ? ' ' : '-', reply.Lines[i]);
    }

    internal void Note(string note) => logger.LogInformation("{Connection} * {Note}", connection, note);
}
