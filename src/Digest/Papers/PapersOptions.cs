namespace Digest.Papers;

/// <summary>Configuration section <c>Papers</c>: where papers come from and how often.</summary>
public sealed class PapersOptions
{
    public const string Section = "Papers";

    /// <summary>Turns every remote source off, so nothing tries to resolve a public host (env <c>Papers__Offline=true</c>).</summary>
    public bool Offline { get; set; }

    /// <summary>How many days before today a scheduled run looks at (days already seen are skipped).</summary>
    public int LookBackDays { get; set; } = 3;

    /// <summary>A past day counts as seen once it was walked completely this long after it ended (late additions).</summary>
    public TimeSpan DaySettlesAfter { get; set; } = TimeSpan.FromHours(12);

    /// <summary>The ingest job's interval.</summary>
    public TimeSpan IngestEvery { get; set; } = TimeSpan.FromHours(1);

    /// <summary>When the shipped demo papers are loaded because no remote feed could be read.</summary>
    public DemoPolicy Demo { get; set; } = DemoPolicy.Auto;

    /// <summary>
    /// How long a rendered day, paper or feed answer of the papers site is served from memory before
    /// it is read and rendered again (0: every request reads). A page then lags a change by at most
    /// this long; its validators always describe what was served.
    /// </summary>
    public TimeSpan PagesCacheFor { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>JSON files to ingest on every run (the project's format or the Hugging Face shape).</summary>
    public List<string> Files { get; set; } = [];

    public HuggingFaceOptions HuggingFace { get; set; } = new();
    public ArxivOptions Arxiv { get; set; } = new();
    public FeedHttpOptions Http { get; set; } = new();
}

public enum DemoPolicy
{
    /// <summary>Only with the embedded database (no ConnectionStrings:Postgres): a fresh machine shows real papers.</summary>
    Auto,
    Always,
    Never,
}

public sealed class HuggingFaceOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>e.g. https://huggingface.co/ — the adapter calls <c>api/daily_papers</c> under it.</summary>
    public Uri? BaseUrl { get; set; }

    public int PageSize { get; set; } = 100;

    /// <summary>A guard against a server that never returns a short page.</summary>
    public int MaxPagesPerDay { get; set; } = 50;
}

public sealed class ArxivOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>e.g. https://export.arxiv.org/ — the adapter calls <c>api/query</c> under it.</summary>
    public Uri? BaseUrl { get; set; }

    public List<string> Categories { get; set; } = [];

    /// <summary>Results per request; arXiv allows at most 2,000.</summary>
    public int PageSize { get; set; } = 200;

    public int MaxResultsPerRun { get; set; } = 10_000;

    /// <summary>arXiv's terms: at most one request every 3 seconds. Shorter only against a loopback test server.</summary>
    public TimeSpan RequestInterval { get; set; } = TimeSpan.FromSeconds(3);
}

/// <summary>The resilience of every feed request (each source has its own circuit).</summary>
public sealed class FeedHttpOptions
{
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromMinutes(3);
    public int MaxRetries { get; set; } = 3;

    /// <summary>The median first retry delay; later ones grow exponentially, with jitter.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A Retry-After longer than this is not waited for: the run gives up on the source instead.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a source's circuit stays open after it broke.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromMinutes(5);
}
