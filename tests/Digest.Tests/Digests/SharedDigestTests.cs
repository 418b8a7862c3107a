using Digest.Digests;
using Digest.Templates;
using static Digest.Tests.Digests.DigestSamples;

namespace Digest.Tests.Digests;

/// <summary>A paper list rendered once and shared: every subscriber's mail is still exactly the mail rendered for them alone.</summary>
public sealed class SharedDigestTests
{
    static readonly string[][] Following = [["rlhf"], ["rlhf", "diffusion models"], ["\"preference optimization\"", "a < b & c"], []];

    static IEnumerable<DigestContent> Subscribers()
    {
        var lists = new[]
        {
            Realistic(),
            Realistic(Frequency.Weekly),
            Content([Paper("Only one", ["rlhf"])]),
            Content([Paper("Quotes \"and\" <tags> & ampersands", ["a < b & c"], ["O'Brien"], "It's <b>bold</b> & \"quoted\".")]),
        };
        // The same papers matched through other topics: shared, but each mail names its own.
        var relabelled = lists[0] with { Papers = lists[0].Papers.Select((p, i) => p with { Topics = p.Topics.Select(t => $"{t} <{i}> & 'co'").ToList() }).ToList() };
        var blank = lists[0] with { Papers = [lists[0].Papers[0] with { Topics = ["  ", "rlhf"] }, .. lists[0].Papers.Skip(1)] };
        lists = [.. lists, relabelled, blank];
        var n = 0;
        foreach (var list in lists)
        {
            foreach (var following in Following)
            {
                n++;
                yield return list with
                {
                    SubscriberTopics = following,
                    ManageUrl = new Uri($"https://digest.example/manage/M{n}?a=1&b='2'"),
                    UnsubscribeUrl = new Uri($"https://digest.example/unsubscribe/U{n}"),
                    ViewUrl = new Uri($"https://digest.example/issues/V{n}#x=\"y\""),
                };
            }
        }
    }

    [Test]
    public void Each_subscribers_mail_equals_the_mail_rendered_for_them_alone()
    {
        var renderer = new DigestRenderer(TemplateRenderer.Load());
        foreach (var content in Subscribers())
        {
            var whole = renderer.RenderWhole(content);
            var shared = renderer.Render(content);
            Assert.Multiple(() =>
            {
                Assert.That(shared.Subject, Is.EqualTo(whole.Subject));
                Assert.That(shared.Html, Is.EqualTo(whole.Html));
                Assert.That(shared.Text, Is.EqualTo(whole.Text));
            });
        }
    }

    [Test]
    public void Subscribers_with_the_same_papers_share_one_rendering_and_keep_their_own_links()
    {
        var renderer = new DigestRenderer(TemplateRenderer.Load());
        var mails = Subscribers().Select(renderer.Render).ToList();

        // The relabelled list, and the one with a blank topic (not shown), share the first one's rendering.
        Assert.That(renderer.CacheCounts, Is.EqualTo((Subscribers().Count() - 4L, 4L)), "four distinct paper lists");
        Assert.That(mails.Select(m => m.Html).Distinct().Count(), Is.EqualTo(mails.Count));
        Assert.That(mails[1].Html, Does.Contain("https://digest.example/manage/M2?a&#x3D;1&amp;b&#x3D;&#x27;2&#x27;"));
    }

    [Test]
    public void A_paper_list_that_changed_since_it_was_rendered_is_rendered_again()
    {
        var renderer = new DigestRenderer(TemplateRenderer.Load());
        var before = Realistic();
        var after = before with { Papers = [before.Papers[0] with { Upvotes = 129 }, .. before.Papers.Skip(1)] };
        var retitled = before with { Papers = [before.Papers[0] with { Title = "Renamed" }, .. before.Papers.Skip(1)] };

        renderer.Render(before);
        Assert.That(renderer.Render(after).Html, Does.Contain("129 upvotes"));
        Assert.That(renderer.Render(retitled).Html, Does.Contain("Renamed"));
        Assert.That(renderer.CacheCounts.Misses, Is.EqualTo(3));
    }

    [Test]
    public void A_popular_paper_list_stays_rendered_through_a_long_tail_of_lists_seen_once()
    {
        var renderer = new DigestRenderer(TemplateRenderer.Load());
        var popular = Realistic();
        renderer.Render(popular);
        var popularMisses = 0;
        for (var i = 0; i < DigestRenderer.CacheCapacity * 2; i++)
        {
            renderer.Render(popular with { Papers = [popular.Papers[0] with { Upvotes = 1_000 + i }, .. popular.Papers.Skip(1)] });
            if (i % 50 == 0)
            {
                var misses = renderer.CacheCounts.Misses;
                renderer.Render(popular);
                popularMisses += (int)(renderer.CacheCounts.Misses - misses);
            }
        }

        Assert.That(popularMisses, Is.Zero, "the list one subscriber in fifty gets was rendered again");
    }
}
