namespace Digest.Mailer;

/// <summary>
/// Whose fault a failed send is: what the reply says (its code and RFC 3463 enhanced status) read
/// together with the stage it came at (notes/smtp-mime.md, "Whose fault is a failure"). Callers
/// act on it: only <see cref="Recipient"/> is evidence against an address.
/// </summary>
public enum Fault
{
    /// <summary>Nothing failed (sent), or nobody can tell yet (the outcome is unknown).</summary>
    None,

    /// <summary>The address itself is bad: X.1.x (no such mailbox) or X.2.1 (disabled) at RCPT. The only fault that counts toward suppression.</summary>
    Recipient,

    /// <summary>
    /// The sender or the relay's setup: MAIL FROM refused, authentication refused or required,
    /// relaying denied. Every message through that relay would fail the same way: keep the mail
    /// and stop using the relay until it is fixed.
    /// </summary>
    Sender,

    /// <summary>This message was refused (content, size, policy at DATA or the final dot; a recipient refusal that does not prove the address bad): final, but no evidence against the address.</summary>
    Message,

    /// <summary>A 4xx or a lost connection before the final dot: try again later.</summary>
    Transient,
}

/// <summary>Where in the SMTP transaction a reply came.</summary>
public enum SmtpStage
{
    /// <summary>Greeting, EHLO, STARTTLS or AUTH: the session itself.</summary>
    Session,
    MailFrom,
    RcptTo,
    Data,
    FinalDot,

    /// <summary>Refused here before any command was sent (the relay cannot take it as written).</summary>
    Local,
}

/// <summary>The rules that turn a reply and its stage into a <see cref="Fault"/>.</summary>
public static class Faults
{
    /// <param name="code">The three-digit reply code.</param>
    /// <param name="enhancedStatus">"5.1.1", or null when the reply had none.</param>
    /// <param name="text">The reply's text (used only to tell "relay access denied" from other 5.7.1 policy refusals).</param>
    public static Fault Classify(SmtpStage stage, int code, string? enhancedStatus, string text)
    {
        if (code is >= 200 and < 400)
            return Fault.None;
        if (code is >= 400 and < 500)
            return Fault.Transient;
        var (subject, detail) = Split(enhancedStatus);
        // Authentication required or refused (RFC 4954 §6: 530 5.7.0, 535 5.7.8, 534 5.7.9, 538 5.7.11)
        // and relaying denied are about this sender's account, wherever they come.
        if (code is 530 or 534 or 535 or 538 || (subject == 7 && detail is 0 or 8 or 9 or 11 or 14)
            || (subject == 7 && text.Contains("relay", StringComparison.OrdinalIgnoreCase)))
            return Fault.Sender;
        return stage switch
        {
            SmtpStage.Session => Fault.Sender,
            // A message too large for the relay is this message's problem, not the sender's (RFC 1870).
            SmtpStage.MailFrom => code == 552 || (subject == 3 && detail == 4) ? Fault.Message : Fault.Sender,
            SmtpStage.RcptTo or SmtpStage.FinalDot when IsBadAddress(code, subject, detail, stage) => Fault.Recipient,
            _ => Fault.Message,
        };
    }

    /// <summary>X.1.x addressing or X.2.1 disabled; a bare 550/551/553 at RCPT is the classic "no such user".</summary>
    static bool IsBadAddress(int code, int? subject, int? detail, SmtpStage stage) =>
        subject == 1 || (subject == 2 && detail == 1) || (subject is null && stage == SmtpStage.RcptTo && code is 550 or 551 or 553);

    static (int? Subject, int? Detail) Split(string? enhancedStatus)
    {
        if (enhancedStatus is null)
            return (null, null);
        var parts = enhancedStatus.Split('.');
        return parts.Length == 3 && int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var subject)
                                 && int.TryParse(parts[2], System.Globalization.CultureInfo.InvariantCulture, out var detail)
            ? (subject, detail)
            : (null, null);
    }
}
