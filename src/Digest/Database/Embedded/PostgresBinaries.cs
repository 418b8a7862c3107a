namespace Digest.Database.Embedded;

/// <summary>The machine's own PostgreSQL server programs: initdb, pg_ctl and postgres.</summary>
public sealed record PostgresBinaries(string Directory)
{
    /// <summary>The oldest major version the schema and the full-text features are tested on.</summary>
    public const int MinimumMajorVersion = 15;

    public string InitDb => Path.Combine(Directory, "initdb");
    public string PgCtl => Path.Combine(Directory, "pg_ctl");
    public string Postgres => Path.Combine(Directory, "postgres");

    static readonly string[] Programs = ["initdb", "pg_ctl", "postgres"];

    /// <summary>
    /// Finds the server programs: an explicit folder first, then PATH (Debian does not put them
    /// there), then the newest /usr/lib/postgresql/N/bin.
    /// </summary>
    public static PostgresBinaries Find(string? configuredDirectory = null)
    {
        if (!string.IsNullOrWhiteSpace(configuredDirectory))
        {
            return HasAll(configuredDirectory)
                ? new PostgresBinaries(configuredDirectory)
                : throw new EmbeddedPostgresException(
                    $"Digest:PostgresBinDir is '{configuredDirectory}', but initdb, pg_ctl and postgres are not all there.");
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (dir.Length > 0 && HasAll(dir))
                return new PostgresBinaries(dir);
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (System.IO.Directory.Exists(debianRoot))
        {
            var newest = System.IO.Directory.GetDirectories(debianRoot)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(c => c.Version >= MinimumMajorVersion && HasAll(c.Dir))
                .OrderByDescending(c => c.Version)
                .FirstOrDefault();
            if (newest.Dir is not null)
                return new PostgresBinaries(newest.Dir);
        }

        throw new EmbeddedPostgresException(
            $"No PostgreSQL server programs (initdb, pg_ctl, postgres) were found on PATH or under {debianRoot}/N/bin. " +
            $"Install PostgreSQL {MinimumMajorVersion}+ (Debian: apt-get install postgresql) or set ConnectionStrings:Postgres " +
            "to use an existing server.");
    }

    static bool HasAll(string dir) => Programs.All(p => File.Exists(Path.Combine(dir, p)));
}
