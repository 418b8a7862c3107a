using System.Net;
using System.Net.Http.Json;
using Dapper;
using Digest.Subscriptions.Tests.Harness;

namespace Digest.Subscriptions.Tests.Filters;

public sealed class PreviewTests : ServiceFixture
{
    [OneTimeSetUp]
    public async Task AddPapers()
    {
        var now = Service.Clock.GetUtcNow();
        await using var connection = await Service.OpenAsync();
        await connection.ExecuteAsync("""
            INSERT INTO papers (id, title, abstract, authors, categories, keywords, upvotes, listed_at, first_seen_at)
            VALUES (@Id, @Title, @Abstract, @Authors, @Categories, @Keywords, @Upvotes, @Seen, @Seen)
            """, new[]
        {
            Paper("1", "Diffusion Models Beat GANs", "We show diffusion models...", ["Prafulla Dhariwal", "Alex Nichol"], ["cs.LG"], 50, now.AddDays(-1)),
            Paper("2", "Video Diffusion at Scale", "Diffusion for video.", ["Jonathan Ho"], ["cs.CV"], 80, now.AddDays(-2)),
            Paper("3", "Latent Diffusion", "High-resolution image synthesis with latent diffusion.", ["Robin Rombach"], ["cs.CV"], 120, now.AddDays(-3)),
            Paper("4", "Old Diffusion Paper", "Diffusion, long ago.", ["Someone Old"], ["cs.LG"], 999, now.AddDays(-8)),
            Paper("5", "Transformers for Speech", "Attention for audio.", ["Ada Lovelace"], ["eess.AS"], 5, now.AddDays(-1)),
        });
    }

    [Test]
    public async Task Each_topic_shows_how_many_of_the_last_7_days_papers_it_matches_and_the_top_titles()
    {
        var preview = await PreviewAsync("diffusion\ndiffusion -video\ndiffusion category:cs.LG\ndiffusion upvotes:100\ndiffusion author:ROMBACH\nspeech");

        Assert.That(preview.Errors, Is.Empty);
        Assert.That(preview.Days, Is.EqualTo(7));
        Assert.That(preview.Topics.Select(t => (t.Topic, t.Count)), Is.EqualTo(new[]
        {
            ("diffusion", 3),
            ("diffusion -video", 2),
            ("diffusion category:cs.LG", 1),
            ("diffusion upvotes:100", 1),
            ("diffusion author:rombach", 1),
            ("speech", 1),
        }));
        Assert.That(preview.Topics[0].Titles, Is.EqualTo(new[] { "Latent Diffusion", "Video Diffusion at Scale", "Diffusion Models Beat GANs" }), "most upvoted first");
    }

    [Test]
    public async Task A_topic_that_matches_nothing_says_zero()
    {
        var preview = await PreviewAsync("knot theory");

        Assert.That(preview.Topics.Single().Count, Is.Zero);
        Assert.That(preview.Topics.Single().Titles, Is.Empty);
    }

    [Test]
    public async Task Problems_come_back_with_the_forms_messages_and_nothing_is_stored()
    {
        var preview = await PreviewAsync("the of\nx category:nope");

        Assert.That(preview.Topics, Is.Empty);
        Assert.That(preview.Errors.Single(), Does.Contain("not an arXiv category"));
        Assert.That((await PreviewAsync("the of and")).Errors.Single(), Does.Contain("only words the search ignores"));
        Assert.That(await Service.ScalarAsync<int>("SELECT count(*) FROM topics"), Is.Zero);
    }

    [Test]
    public async Task Titles_come_back_as_data_not_markup()
    {
        await Service.ExecuteAsync("""
            INSERT INTO papers (id, title, listed_at, first_seen_at) VALUES ('x1', '<img src=x onerror=alert(1)> Graph Sparsification', now(), now())
            """);

        using var response = await Client.GetAsync(new Uri("/preview?topics=sparsification", UriKind.Relative));

        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        Assert.That(response.Headers.GetValues("X-Content-Type-Options").Single(), Is.EqualTo("nosniff"));
        var preview = await response.Content.ReadFromJsonAsync<Preview>();
        Assert.That(preview!.Topics.Single().Titles.Single(), Is.EqualTo("<img src=x onerror=alert(1)> Graph Sparsification"));
    }

    async Task<Preview> PreviewAsync(string topics)
    {
        using var response = await Client.GetAsync(new Uri("/preview?topics=" + Uri.EscapeDataString(topics), UriKind.Relative));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return (await response.Content.ReadFromJsonAsync<Preview>())!;
    }

    static object Paper(string id, string title, string text, string[] authors, string[] categories, int upvotes, DateTimeOffset seen) => new
    {
        Id = id, Title = title, Abstract = text, Authors = authors, Categories = categories, Keywords = Array.Empty<string>(), Upvotes = upvotes, Seen = seen,
    };

    sealed record Preview(int Days, List<TopicPreview> Topics, List<string> Errors);

    sealed record TopicPreview(string Topic, int Count, List<string> Titles);
}
