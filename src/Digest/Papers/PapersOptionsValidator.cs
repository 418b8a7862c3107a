using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Digest.Papers;

/// <summary>Checks the <c>Papers</c> section at start, with messages that name the key and the rule.</summary>
internal sealed partial class PapersOptionsValidator : IValidateOptions<PapersOptions>
{
    public ValidateOptionsResult Validate(string? name, PapersOptions options)
    {
        var errors = new List<string>();
        void Require(bool ok, string message)
        {
            if (!ok)
                errors.Add(message);
        }

        Require(options.LookBackDays is >= 0 and <= 30, "Papers:LookBackDays must be between 0 and 30.");
        Require(options.PagesCacheFor >= TimeSpan.Zero && options.PagesCacheFor <= TimeSpan.FromMinutes(10), "Papers:PagesCacheFor must be between 00:00:00 and 00:10:00.");
        Require(options.IngestEvery >= TimeSpan.FromMinutes(1), "Papers:IngestEvery must be at least one minute.");
        Require(options.DaySettlesAfter >= TimeSpan.Zero, "Papers:DaySettlesAfter must not be negative.");
        Require(options.Files.All(f => !string.IsNullOrWhiteSpace(f)), "Papers:Files must not contain empty paths.");

        var huggingFace = options.HuggingFace;
        if (huggingFace.Enabled && !options.Offline)
            Require(IsHttpUrl(huggingFace.BaseUrl), "Papers:HuggingFace:BaseUrl must be an absolute http(s) URL (or set Papers:HuggingFace:Enabled=false, or Papers:Offline=true).");
        Require(huggingFace.PageSize is >= 1 and <= 100, "Papers:HuggingFace:PageSize must be between 1 and 100 (the API's limit).");
        Require(huggingFace.MaxPagesPerDay >= 1, "Papers:HuggingFace:MaxPagesPerDay must be at least 1.");

        var arxiv = options.Arxiv;
        if (arxiv.Enabled && !options.Offline)
        {
            Require(IsHttpUrl(arxiv.BaseUrl), "Papers:Arxiv:BaseUrl must be an absolute http(s) URL (or set Papers:Arxiv:Enabled=false, or Papers:Offline=true).");
            Require(arxiv.Categories.Count > 0, "Papers:Arxiv:Categories must list at least one category (e.g. cs.CL).");
            Require(arxiv.RequestInterval >= TimeSpan.FromSeconds(3) || arxiv.BaseUrl is { IsLoopback: true },
                "Papers:Arxiv:RequestInterval must be at least 00:00:03: arXiv's terms allow one request every 3 seconds.");
        }
        Require(arxiv.Categories.All(c => Category().IsMatch(c)), $"Papers:Arxiv:Categories must be arXiv categories such as cs.CL (got {string.Join(", ", arxiv.Categories)}).");
        Require(arxiv.PageSize is >= 1 and <= 2000, "Papers:Arxiv:PageSize must be between 1 and 2000 (arXiv's limit per call).");
        Require(arxiv.MaxResultsPerRun >= arxiv.PageSize, "Papers:Arxiv:MaxResultsPerRun must be at least Papers:Arxiv:PageSize.");

        var http = options.Http;
        Require(http.AttemptTimeout >= TimeSpan.FromMilliseconds(50) && http.AttemptTimeout <= http.TotalTimeout,
            "Papers:Http:AttemptTimeout must be at least 50 ms and at most Papers:Http:TotalTimeout.");
        Require(http.TotalTimeout < TimeSpan.FromHours(1), "Papers:Http:TotalTimeout must be under an hour.");
        Require(http.MaxRetries is >= 0 and <= 10, "Papers:Http:MaxRetries must be between 0 and 10.");
        Require(http.RetryDelay > TimeSpan.Zero, "Papers:Http:RetryDelay must be positive.");
        Require(http.MaxRetryAfter >= TimeSpan.Zero, "Papers:Http:MaxRetryAfter must not be negative.");
        Require(http.BreakDuration > TimeSpan.FromMilliseconds(500), "Papers:Http:BreakDuration must be longer than half a second.");

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    static bool IsHttpUrl(Uri? url) => url is { IsAbsoluteUri: true, Scheme: "http" or "https" };

    [GeneratedRegex(@"^[a-z-]+(?:\.[A-Za-z-]+)?$")]
    private static partial Regex Category();
}
