using Digest.Subscriptions.Filters;

namespace Digest.Subscriptions.Tests.Filters;

public sealed class TopicSyntaxTests
{
    [TestCase("Diffusion   Models", "diffusion models", null, null, 0)]
    [TestCase("\"Large Language Models\" OR LLM -vision", "\"large language models\" or llm -vision", null, null, 0)]
    [TestCase("rlhf author:Hinton", "rlhf", "hinton", null, 0)]
    [TestCase("rlhf AUTHOR:\"Ada   Lovelace\" category:CS.cl Upvotes:12", "rlhf", "ada lovelace", "cs.CL", 12)]
    [TestCase("category:hep-th strings", "strings", null, "hep-th", 0)]
    [TestCase("retrieval upvotes:>=5", "retrieval", null, null, 5)]
    [TestCase("\"author: in quotes\" stays", "\"author: in quotes\" stays", null, null, 0)]
    [TestCase("co-author:x is a word", "co-author:x is a word", null, null, 0)]
    public void A_topic_is_read_and_normalised(string text, string query, string? author, string? category, int minUpvotes)
    {
        Assert.That(TopicSyntax.TryParse(text, out var topic, out var error), Is.True, error);
        Assert.That(topic, Is.EqualTo(new TopicFilter(query, author, category, minUpvotes)));
    }

    [Test]
    public void A_normalised_topic_reads_back_as_itself()
    {
        const string Text = "rlhf author:\"ada lovelace\" category:cs.CL upvotes:12";
        Assert.That(TopicSyntax.TryParse(Text, out var topic, out _), Is.True);

        Assert.That(topic!.ToString(), Is.EqualTo(Text));
        Assert.That(TopicSyntax.TryParse(topic.ToString(), out var again, out _) && again == topic, Is.True);
    }

    [TestCase("author:hinton", "no words to search for")]
    [TestCase("x author:", "needs a value")]
    [TestCase("x category:astro", "is not an arXiv category")]
    [TestCase("x category:cs.CL category:cs.LG", "twice")]
    [TestCase("x upvotes:-3", "whole number")]
    [TestCase("x upvotes:99999999", "whole number")]
    [TestCase("x author:\"open", "no closing quote")]
    public void A_wrong_topic_gets_a_reason(string text, string reason)
    {
        Assert.That(TopicSyntax.TryParse(text, out _, out var error), Is.False);
        Assert.That(error, Does.Contain(reason));
    }

    [Test]
    public void The_list_allows_one_to_ten_topics_and_names_each_wrong_one()
    {
        Assert.That(TopicList.Parse("a\n\n  \nb").Topics, Has.Count.EqualTo(2), "blank lines do not count");
        Assert.That(TopicList.Parse(string.Join('\n', Enumerable.Range(0, 10).Select(i => $"topic{i}"))).Errors, Is.Empty);
        Assert.That(TopicList.Parse(string.Join('\n', Enumerable.Range(0, 11).Select(i => $"topic{i}"))).Errors.Single(), Does.Contain("the limit is 10"));
        var (_, errors) = TopicList.Parse("fine\nx category:nope\nalso fine\n" + new string('y', 201));
        Assert.That(errors, Is.EqualTo(new[]
        {
            "Topic 2 (“x category:nope”): “nope” is not an arXiv category (see the list of categories), e.g. category:cs.CL.",
            "Topic 4 is 201 characters long; the limit is 200.",
        }));
    }

    [Test]
    public void The_shipped_category_list_has_the_arxiv_taxonomy()
    {
        Assert.That(ArxivCategories.All, Has.Count.GreaterThan(150));
        Assert.That(ArxivCategories.All.Select(c => c.Code), Is.Unique);
        Assert.That(ArxivCategories.All.Select(c => c.Code), Does.Contain("cs.CL").And.Contain("stat.ML").And.Contain("quant-ph").And.Contain("cond-mat.str-el"));
    }
}
