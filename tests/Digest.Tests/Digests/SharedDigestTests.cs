using Digest.Digests;
using Digest.Mailer;
using Digest.Mailer.Mime;
using Digest.Templates;
using static Digest.Tests.Digests.DigestSamples;

namespace Digest.Tests.Digests;

/// <summary>The templates rendered once per shape and shared: every subscriber's mail is still exactly the mail rendered for them alone.</summary>
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
    public void Mails_of_the_same_shape_share_one_rendering_and_keep_their_own_links_and_papers()
    {
        var renderer = new DigestRenderer(TemplateRenderer.Load());
        var mails = Subscribers().Select(renderer.Render).ToList();

        // Daily, weekly, relabelled and blank-topic lists are one shape (five papers, the same values
        // present, topics on each); "Only one" and the quoted one are others.
        Assert.That(renderer.CacheCounts, Is.EqualTo((Subscribers().Count() - 3L, 3L)), "three distinct shapes");
        Assert.That(mails.Select(m => m.Html).Distinct().Count(), Is.EqualTo(mails.Count));
        Assert.That(mails[1].Html, Does.Contain("https://digest.example/manage/M2?a&#x3D;1&amp;b&#x3D;&#x27;2&#x27;"));
    }

    [Test]
    public void A_paper_list_that_changed_since_it_was_rendered_shows_the_papers_as_they_are_now()
    {
        var renderer = new DigestRenderer(TemplateRenderer.Load());
        var before = Realistic();
        var after = before with { Papers = [before.Papers[0] with { Upvotes = 129 }, .. before.Papers.Skip(1)] };
        var retitled = before with { Papers = [before.Papers[0] with { Title = "Renamed" }, .. before.Papers.Skip(1)] };

        renderer.Render(before);
        Assert.That(renderer.Render(after).Html, Does.Contain("129 upvotes").And.Not.Contain("128 upvotes"));
        Assert.That(renderer.Render(retitled).Html, Does.Contain("Renamed"));
        Assert.That(renderer.Render(retitled).Text, Does.Contain("Renamed"));
        Assert.That(renderer.CacheCounts.Misses, Is.EqualTo(1), "one shape: the templates render once");
    }

    [Test]
    public void Thousands_of_generated_mails_each_equal_the_mail_rendered_whole()
    {
        var renderer = new DigestRenderer(TemplateRenderer.Load());
        var n = 0;
        foreach (var content in Generated(2_000))
        {
            var (whole, shared) = (renderer.RenderWhole(content), renderer.Render(content).Decoded());

            if (shared != whole)
                Assert.That(shared, Is.EqualTo(whole), $"mail {n}");
            n++;
        }
        Assert.That(renderer.CacheCounts.Misses, Is.GreaterThan(1_000), "the mails cover many shapes, not a few");
    }

    [Test]
    public void Thousands_of_generated_mails_as_they_are_sent_read_back_in_MimeKit_as_the_mail_rendered_whole()
    {
        // Sent, the shape's text is quoted-printable encoded once and each mail's values per mail;
        // MimeKit decodes it independently of the encoder.
        var renderer = new DigestRenderer(TemplateRenderer.Load());
        var writer = new MessageWriter();
        var n = 0;
        foreach (var content in Generated(2_000))
        {
            var whole = renderer.RenderWhole(content);
            using var sent = renderer.RenderToSend(content);
            var bytes = writer.ToBytes(new EmailMessage
            {
                From = MailboxAddress.Parse("digest@digest.example"),
                To = [MailboxAddress.Parse("reader@example.org")],
                Subject = sent.Subject,
                TextBodyQuotedPrintable = sent.TextQuotedPrintable,
                HtmlBodyQuotedPrintable = sent.HtmlQuotedPrintable,
            });

            var parsed = MimeKit.MimeMessage.Load(new MemoryStream(bytes));

            var (html, text) = (Lf(parsed.HtmlBody ?? ""), Lf(parsed.GetTextBody(MimeKit.Text.TextFormat.Plain) ?? ""));
            if (!sent.IsEncoded || sent.Subject != whole.Subject || html != Lf(whole.Html) || text != Lf(whole.Text))
            {
                Assert.That(sent.IsEncoded, $"mail {n} is encoded for sending");
                Assert.That(sent.Subject, Is.EqualTo(whole.Subject), $"mail {n}");
                Assert.That(html, Is.EqualTo(Lf(whole.Html)), $"mail {n}");
                Assert.That(text, Is.EqualTo(Lf(whole.Text)), $"mail {n}");
            }
            n++;
        }
    }

    /// <summary>Every line break as one LF: they leave as CRLF, and MimeKit's text gives them as LF.</summary>
    static string Lf(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');

    /// <summary>
    /// Papers with and without authors, links, upvotes and abstract; titles and topics with the
    /// characters escaping changes; lists of 1 to 15 papers matching 0 to 4 topics each.
    /// </summary>
    static IEnumerable<DigestContent> Generated(int count)
    {
        var random = new Random(2026);
        string Text(int words) => string.Join(' ', Enumerable.Range(0, words).Select(_ => Pick(random, Words)));
        string? Maybe(string value) => random.Next(3) == 0 ? null : value;
        var pool = Enumerable.Range(0, 60).Select(i => Paper(
            Text(random.Next(2, 12)),
            authors: Enumerable.Range(0, random.Next(0, 7)).Select(_ => Text(2)).ToArray(),
            abstractText: random.Next(5) == 0 ? "" : Text(random.Next(5, 80)),
            upvotes: random.Next(-1, 3) * random.Next(0, 300),
            page: Maybe($"https://huggingface.co/papers/2511.{i:D5}"),
            pdf: Maybe($"https://arxiv.org/pdf/2511.{i:D5}?x=1&y='2'"),
            code: Maybe($"https://github.com/example/{i}"),
            id: $"2511.{i:D5}")).ToList();
        for (var n = 0; n < count; n++)
        {
            var papers = pool.OrderBy(_ => random.Next()).Take(random.Next(1, 16))
                .Select(p => p with { Topics = Enumerable.Range(0, random.Next(0, 5)).Select(_ => Pick(random, Labels)).ToList() })
                .ToList();
            yield return Content(papers, random.Next(2) == 0 ? Frequency.Daily : Frequency.Weekly,
                following: Enumerable.Range(0, random.Next(0, 4)).Select(_ => Pick(random, Labels)).ToArray(),
                period: Saturday.AddDays(random.Next(0, 30))) with
            {
                ManageUrl = new Uri($"https://digest.example/manage/M{n}"),
                UnsubscribeUrl = new Uri($"https://digest.example/unsubscribe/U{n}"),
                ViewUrl = new Uri($"https://digest.example/issues/V{n}"),
            };
        }
    }

    [TestCase("{{#each papers}}<p>{{#each topics}}{{#if @first}}matched: {{/if}}<i>{{this}}</i> {{/each}}</p>{{/each}}")]
    [TestCase("{{#each papers}}<p>{{#each topics}}<i>{{this}}</i>, {{/each}}</p><p>{{#each topics}}{{this}}{{/each}}</p>{{/each}}")]
    [TestCase("{{#each papers}}{{#if textDetails}}<p>{{#each topics}}[{{this}}]{{/each}}</p>{{/if}}{{/each}}")]
    public void An_operators_template_that_writes_topics_its_own_way_still_gives_each_mail_exactly(string html)
    {
        var folder = Directory.CreateTempSubdirectory("digest-shared-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "emails"));
            File.WriteAllText(Path.Combine(folder, "emails", "digest.html.hbs"), html);
            var renderer = new DigestRenderer(TemplateRenderer.Load(folder));
            var realistic = Realistic();
            foreach (var topics in new[] { 1, 2, 3, 0, 4, 1 })
            {
                var content = realistic with { Papers = realistic.Papers.Select(p => p with { Topics = Labels.Take(topics).ToList() }).ToList() };
                Assert.That(renderer.Render(content).Decoded(), Is.EqualTo(renderer.RenderWhole(content)), $"{topics} topics a paper");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void Topics_an_operator_writes_in_both_the_html_and_the_text_keep_each_part_its_own_escaping()
    {
        var folder = Directory.CreateTempSubdirectory("digest-shared-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "emails"));
            File.WriteAllText(Path.Combine(folder, "emails", "digest.html.hbs"), "{{#each papers}}<p>{{#each topics}}<i>{{this}}</i>{{/each}}</p>{{/each}}");
            File.WriteAllText(Path.Combine(folder, "emails", "digest.txt.hbs"), "{{#each papers}}{{#each topics}}[{{this}}]{{/each}}\n{{/each}}");
            var renderer = new DigestRenderer(TemplateRenderer.Load(folder));
            var realistic = Realistic();
            var content = realistic with { Papers = realistic.Papers.Select(p => p with { Topics = ["a < b & c", "rlhf"] }).ToList() };

            var mail = renderer.Render(content);

            Assert.That(mail.Decoded(), Is.EqualTo(renderer.RenderWhole(content)));
            Assert.That(mail.Text, Does.Contain("[a < b & c][rlhf]"));
            Assert.That(mail.Html, Does.Contain("<i>a &lt; b &amp; c</i><i>rlhf</i>"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void A_view_copied_with_other_text_gets_its_own_bytes_not_those_kept_for_the_original()
    {
        var templates = TemplateRenderer.Load();
        var original = PaperView.Shown(Realistic().Papers[0], 1, 3, new Uri("https://digest.example/"));
        var copy = original with { Title = "Another <title>" };
        var memo = original.Memo;

        var kept = memo.Utf8(1, original.Title, escaped: true, templates);
        var copied = copy.Memo.Utf8(1, copy.Title, escaped: true, templates);

        Assert.That(copy.Memo, Is.SameAs(memo), "copies share the memo");
        Assert.That(System.Text.Encoding.UTF8.GetString(kept), Is.EqualTo(templates.Escape(original.Title)));
        Assert.That(System.Text.Encoding.UTF8.GetString(copied), Is.EqualTo("Another &lt;title&gt;"));
        Assert.That(System.Text.Encoding.UTF8.GetString(memo.Utf8(1, original.Title, escaped: false, templates)), Is.EqualTo(original.Title));
    }

    static readonly string[] Words = ["diffusion", "models", "reward", "O'Brien's", "<b>bold</b>", "a & b", "\"quoted\"", "x=y", "`tick`", "naïve", "数据", "🙂", "policy", "agents", "RLHF"];

    static readonly string[] Labels = ["rlhf", "diffusion models", "\"preference optimization\"", "a < b & c", "  ", "speech OR audio"];

    static string Pick(Random random, string[] items) => items[random.Next(items.Length)];

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
