namespace Digest.Papers;

/// <summary>What a run did, source by source.</summary>
public sealed record IngestReport(IngestWindow Window, IReadOnlyList<SourceReport> Sources)
{
    public bool Failed => Sources.Any(s => s.Failed);
}

/// <param name="Fetched">Items the source listed, readable or not.</param>
/// <param name="Documents">Documents read successfully; zero means the source could not be reached at all.</param>
/// <param name="Errors">Documents that could not be fetched or read, one sentence each.</param>
public sealed record SourceReport(string Source, int Fetched, int New, int Updated, int Rejected, int Documents, IReadOnlyList<string> Errors)
{
    public bool Failed => Errors.Count > 0;
}

/// <summary>Where a source has got to, for a progress display.</summary>
public sealed record IngestProgress(string Source, string Document, int Fetched, bool Done);
