namespace Digest.Mailer.Smtp;

/// <summary>
/// One SMTP reply (RFC 5321 §4.2): a three-digit code and one or more lines of text. The code
/// decides; the text is for people. The enhanced status code (RFC 3463, "5.1.1") is read from the
/// first line when present.
/// </summary>
public sealed class SmtpReply
{
    public SmtpReply(int code, IReadOnlyList<string> lines)
    {
        Code = code;
        Lines = lines;
        EnhancedStatusCode = ReadEnhancedStatus(code, lines.Count > 0 ? lines[0] : "");
    }

    public int Code { get; }
    public IReadOnlyList<string> Lines { get; }
    public string? EnhancedStatusCode { get; }

    public bool IsPositive => Code is >= 200 and < 400;
    public bool IsTransient => Code is >= 400 and < 500;
    public bool IsPermanent => Code >= 500;

    /// <summary>421: the server is closing the connection; it may come in answer to anything.</summary>
    public bool IsServiceClosing => Code == 421;

    public DeliveryOutcome Outcome => IsPositive ? DeliveryOutcome.Sent : IsTransient ? DeliveryOutcome.Deferred : DeliveryOutcome.Failed;

    /// <summary>Whose fault this reply is, given the stage it answered.</summary>
    public Fault Fault(SmtpStage stage) => Faults.Classify(stage, Code, EnhancedStatusCode, Lines.Count > 0 ? Lines[0] : "");

    /// <summary>"x.y.z" where x is the class of the reply code, y and z numbers (RFC 3463 §2).</summary>
    internal static string? ReadEnhancedStatus(int code, string line)
    {
        var end = line.IndexOf(' ', StringComparison.Ordinal);
        var candidate = end < 0 ? line : line[..end];
        var parts = candidate.Split('.');
        if (parts.Length != 3 || parts[0] != (code / 100).ToString(System.Globalization.CultureInfo.InvariantCulture))
            return null;
        foreach (var part in parts)
        {
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit))
                return null;
        }
        return candidate;
    }

    public override string ToString() => Lines.Count switch
    {
        0 => Code.ToString(System.Globalization.CultureInfo.InvariantCulture),
        1 => $"{Code} {Lines[0]}",
        _ => $"{Code} {string.Join(" / ", Lines)}",
    };
}
