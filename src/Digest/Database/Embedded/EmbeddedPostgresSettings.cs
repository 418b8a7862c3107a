namespace Digest.Database.Embedded;

/// <param name="DataDirectory">The folder this process owns: the cluster, its socket and its lock live under it.</param>
/// <param name="Database">The database created in the cluster for the service.</param>
/// <param name="Durable">
/// False only for throwaway test clusters: fsync and synchronous commit off, which is several times
/// faster and loses nothing a test cares about.
/// </param>
/// <param name="BinDirectory">Where initdb/pg_ctl/postgres are, when not on PATH or in the Debian location.</param>
/// <param name="ServerSettings">
/// More server settings (name to value, as <c>postgres -c</c> takes them; Digest:PostgresSettings),
/// after the embedded defaults, so they can override them: a memory budget, or a profiling
/// extension preloaded for a benchmark.
/// </param>
public sealed record EmbeddedPostgresSettings(
    string DataDirectory,
    string Database = "digest",
    bool Durable = true,
    string? BinDirectory = null,
    IReadOnlyDictionary<string, string>? ServerSettings = null);
