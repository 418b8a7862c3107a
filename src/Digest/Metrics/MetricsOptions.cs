namespace Digest.Metrics;

/// <summary>Who may read /metrics. Configuration section <c>Metrics</c>.</summary>
public sealed class MetricsOptions : System.ComponentModel.DataAnnotations.IValidatableObject
{
    public const string Section = "Metrics";

    /// <summary>
    /// Unset: /metrics answers loopback clients only (a scraper on the same machine). Set: any
    /// client that sends <c>Authorization: Bearer</c> this token, and loopback still without it.
    /// Put it in the environment file, never in appsettings.json.
    /// </summary>
    public string? BearerToken { get; set; }

    public IEnumerable<System.ComponentModel.DataAnnotations.ValidationResult> Validate(System.ComponentModel.DataAnnotations.ValidationContext validationContext)
    {
        // Empty (Metrics__BearerToken= in an environment file) means unset.
        if (!string.IsNullOrEmpty(BearerToken) && BearerToken.Trim().Length < 16)
            yield return new("Metrics:BearerToken must be at least 16 characters (use a random one, e.g. openssl rand -hex 32).", [nameof(BearerToken)]);
    }
}
