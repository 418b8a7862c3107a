namespace Digest.Mailer;

/// <summary>
/// The message cannot be written as it stands (a line break in a header, an unusable header name,
/// no recipient…). Thrown before anything is sent: it is the caller's mistake, not a delivery
/// problem, so retrying cannot help.
/// </summary>
public sealed class InvalidMessageException : ArgumentException
{
    public InvalidMessageException(string field, string rule)
        : base($"{field}: {rule}", field)
    {
        Field = field;
        Rule = rule;
    }

    public InvalidMessageException()
        : this("message", "is not valid")
    {
    }

    public InvalidMessageException(string message, Exception innerException)
        : base(message, innerException)
    {
        Field = "message";
        Rule = message;
    }

    /// <summary>The property or header at fault, e.g. <c>Subject</c>, <c>To[2]</c>, <c>Headers["List-Id"]</c>.</summary>
    public string Field { get; }

    /// <summary>The rule it broke, in words.</summary>
    public string Rule { get; }

    public override string Message => $"{Field}: {Rule}";
}
