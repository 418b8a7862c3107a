namespace Digest.Papers;

/// <summary>What one ingest run should read.</summary>
/// <param name="Sources">Source kinds to run (huggingface, arxiv, file, demo); empty runs every enabled one.</param>
/// <param name="Files">JSON files to ingest besides (or, with no <paramref name="Sources"/>, instead of) the configured ones.</param>
/// <param name="From">First day, UTC; with <paramref name="To"/>, an explicit window walked in full.</param>
public sealed record IngestRequest(IReadOnlyList<string> Sources, IReadOnlyList<string> Files, DateOnly? From = null, DateOnly? To = null)
{
    public const string HuggingFace = "huggingface";
    public const string Arxiv = "arxiv";
    public const string File = "file";
    public const string Demo = "demo";

    public static IReadOnlyList<string> Kinds { get; } = [HuggingFace, Arxiv, File, Demo];

    /// <summary>What the hourly job runs: every enabled source over the look-back window.</summary>
    public static IngestRequest Scheduled { get; } = new([], []);

    /// <summary>Nothing named: every enabled source, and the demo when no remote feed can be read.</summary>
    public bool Everything => Sources.Count == 0 && Files.Count == 0;
}

/// <summary>A request that cannot run as asked (a disabled source, a window in the future); the message says why.</summary>
public sealed class IngestRequestException(string message) : Exception(message);
