namespace Digest.Metrics;

/// <summary>Who may read /metrics. Configuration section <c>Metrics</c>.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>
    /// Unset: /metrics answers loopback clients only (a scraper on the same machine). Set: any
    /// client that sends <c>Authorization: Bearer</c> this token, and loopback still without it.
    /// Put it in the environment file, never in appsettings.json.
    /// </summary>
    [System.ComponentModel.DataAnnotations.MinLength(16, ErrorMessage = "Metrics:BearerToken must be at least 16 characters (use a random one, e.g. openssl rand -hex 32).")]
    public string? BearerToken { get; set; }
}
