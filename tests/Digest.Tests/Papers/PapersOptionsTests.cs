using Digest.Papers;
using Digest.Tests.Papers.Harness;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Digest.Tests.Papers;

/// <summary>The <c>Papers</c> section is checked at start, with messages that name the key.</summary>
public sealed class PapersOptionsTests
{
    static async Task<string> ProblemWithAsync(params (string Key, string? Value)[] settings)
    {
        await using var feeds = await FeedServer.StartAsync();
        await using var host = await PapersHost.StartAsync(feeds, settings.ToDictionary(s => s.Key, s => s.Value));
        var error = Assert.Throws<OptionsValidationException>(() => _ = host.Services.GetRequiredService<IOptions<PapersOptions>>().Value);
        return error!.Message;
    }

    [Test]
    public async Task ArXivs_three_seconds_between_requests_cannot_be_shortened_for_a_real_server() =>
        Assert.That(await ProblemWithAsync(("Papers:Arxiv:BaseUrl", "https://export.arxiv.org/"), ("Papers:Arxiv:RequestInterval", "00:00:01")),
            Does.Contain("Papers:Arxiv:RequestInterval must be at least 00:00:03"));

    [Test]
    public async Task More_than_two_thousand_results_a_call_is_refused() =>
        Assert.That(await ProblemWithAsync(("Papers:Arxiv:PageSize", "5000")), Does.Contain("Papers:Arxiv:PageSize must be between 1 and 2000"));

    [Test]
    public async Task A_remote_source_without_a_base_url_says_how_to_turn_it_off() =>
        Assert.That(await ProblemWithAsync(("Papers:HuggingFace:BaseUrl", "")), Does.Contain("Papers:HuggingFace:BaseUrl must be an absolute http(s) URL (or set Papers:HuggingFace:Enabled=false, or Papers:Offline=true)"));

    [Test]
    public async Task A_base_url_that_is_not_http_is_refused() =>
        Assert.That(await ProblemWithAsync(("Papers:Arxiv:BaseUrl", "file:///etc/")), Does.Contain("Papers:Arxiv:BaseUrl must be an absolute http(s) URL"));

    [Test]
    public async Task A_category_that_is_not_an_arxiv_category_is_refused() =>
        Assert.That(await ProblemWithAsync(("Papers:Arxiv:Categories:2", "cs CL")), Does.Contain("Papers:Arxiv:Categories must be arXiv categories"));

    [Test]
    public async Task Offline_needs_no_base_urls()
    {
        await using var host = await PapersHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Papers:Offline"] = "true",
            ["Papers:HuggingFace:Enabled"] = "true",
            ["Papers:Arxiv:Enabled"] = "true",
        });

        Assert.That(host.Services.GetRequiredService<IOptions<PapersOptions>>().Value.Offline, Is.True);
    }
}
