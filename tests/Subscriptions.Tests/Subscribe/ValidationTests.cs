using System.Net;
using Digest.Subscriptions.Tests.Harness;

namespace Digest.Subscriptions.Tests.Subscribe;

/// <summary>Each rule of the form, one field wrong at a time: a 400 page naming the field, and nothing stored.</summary>
public sealed class ValidationTests : ServiceFixture
{
    [TestCase("email", "", "Enter an email address.")]
    [TestCase("email", "not-an-address", "needs a name, an @ and a domain")]
    [TestCase("email", "ada@localhost", "needs at least one dot")]
    [TestCase("email", "ada@@example.org", "may only contain")]
    [TestCase("email", "ada@example.org\r\nBcc: victim@example.org", "line break")]
    [TestCase("email", "ada@example.org\0", "NUL character")]
    [TestCase("email", "ada@192.168.1.1", "not an IP address")]
    [TestCase("topics", "", "Enter at least one topic")]
    [TestCase("topics", "the and of", "only words the search ignores")]
    [TestCase("topics", "-video -audio", "only excludes words")]
    [TestCase("topics", "author:hinton", "no words to search for")]
    [TestCase("topics", "transformers category:cs.XX", "is not an arXiv category")]
    [TestCase("topics", "transformers category:cs.CL category:cs.LG", "category: twice")]
    [TestCase("topics", "transformers upvotes:many", "upvotes: needs a whole number")]
    [TestCase("topics", "transformers author:\"ada", "no closing quote")]
    [TestCase("topics", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11", "the limit is 10")]
    [TestCase("topics", "diffusion\u0007bell", "a control character")]
    [TestCase("frequency", "monthly", "daily or weekly")]
    [TestCase("weekday", "7", "day of the week")]
    [TestCase("hour", "24", "time of day")]
    [TestCase("hour", "seven", "time of day")]
    [TestCase("zone", "Mars/Olympus_Mons", "not a time zone we know")]
    [TestCase("zone", "../../etc/passwd", "not a time zone we know")]
    [TestCase("zone", "Pacific Standard Time", "not a time zone we know")]
    public async Task A_wrong_field_is_refused_with_a_message_naming_it_and_nothing_is_stored(string field, string value, string message)
    {
        var email = $"valid-{Guid.NewGuid():N}@example.org";
        var fields = Forms.Subscribe(email, "diffusion models", (field, value), ("frequency", field == "weekday" ? "weekly" : field == "frequency" ? value : "daily"));

        using var response = await Forms.PostAsync(Client, "/subscribe", fields);
        var html = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(html, Does.Contain($"id=\"{field}-error\""));
        Assert.That(System.Net.WebUtility.HtmlDecode(html), Does.Contain(message));
        Assert.That(html, Does.Contain($"aria-describedby=\"{(field is "topics" or "zone" ? field + "-hint " : "")}{field}-error\"").Or.Contain($"aria-describedby=\"{field}-error\""),
            "the control points at its error");
        Assert.That(html, Does.Contain("id=\"error-summary\""));
        Assert.That(await Service.ScalarAsync<int>("SELECT count(*) FROM subscribers"), Is.Zero);
        Assert.That(await Service.ScalarAsync<int>("SELECT count(*) FROM topics"), Is.Zero);
        Assert.That(await Service.ScalarAsync<int>("SELECT count(*) FROM outbox"), Is.Zero);
    }

    [TestCase("email", "ada%C3%28@example.org")]
    [TestCase("email", "ada%FF%FE@example.org")]
    [TestCase("topics", "diffusion+%E2%82")]
    [TestCase("zone", "Europe%2FPar%C0%AFis")]
    public async Task Percent_escapes_that_are_not_utf8_are_refused_by_field(string field, string encodedValue)
    {
        var token = await Forms.TokenAsync(Client);
        var fields = Forms.Subscribe("utf8@example.org").Where(f => f.Key != field)
            .Select(f => $"{f.Key}={Uri.EscapeDataString(f.Value)}")
            .Append($"{field}={encodedValue}")
            .Append($"{Forms.AntiforgeryField}={Uri.EscapeDataString(token)}");

        using var response = await Client.PostAsync(new Uri("/subscribe", UriKind.Relative),
            new StringContent(string.Join('&', fields), System.Text.Encoding.ASCII, "application/x-www-form-urlencoded"));
        var html = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(html, Does.Contain($"id=\"{field}-error\""));
        Assert.That(html, Does.Contain("not valid UTF-8"));
        Assert.That(await Service.ScalarAsync<int>("SELECT count(*) FROM subscribers"), Is.Zero);
    }

    [Test]
    public async Task A_topic_longer_than_200_characters_is_refused()
    {
        using var response = await Forms.PostAsync(Client, "/subscribe", Forms.Subscribe("long@example.org", "attention " + new string('x', 200)));
        var html = System.Net.WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(html, Does.Contain("Topic 1 is 210 characters long; the limit is 200."));
    }

    [Test]
    public async Task The_refused_form_keeps_what_was_typed()
    {
        using var response = await Forms.PostAsync(Client, "/subscribe", Forms.Subscribe("kept@example.org", "the and of\n<b>bold</b> ideas", ("hour", "21"), ("zone", "Asia/Tokyo")));
        var html = await response.Content.ReadAsStringAsync();

        Assert.That(html, Does.Contain("value=\"kept@example.org\""));
        Assert.That(html, Does.Contain("the and of\n&lt;b&gt;bold&lt;/b&gt; ideas</textarea>"));
        Assert.That(html, Does.Contain("<option value=\"21\" selected>21:00</option>"));
        Assert.That(html, Does.Contain("<option value=\"Asia/Tokyo\" selected>Asia/Tokyo</option>"));
    }

    [Test]
    public async Task A_field_sent_twice_is_refused()
    {
        var fields = Forms.Subscribe("twice-field@example.org").ToList();
        fields.Add(new("email", "other@example.org"));

        using var response = await Forms.PostAsync(Client, "/subscribe", fields);
        var html = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(html, Does.Contain("id=\"email-error\"").And.Contain("sent more than once"));
    }

    [Test]
    public async Task A_post_without_the_antiforgery_token_is_refused_and_stores_nothing()
    {
        using var response = await Forms.PostWithTokenAsync(Client, "/subscribe", Forms.Subscribe("noforgery@example.org"), token: null);
        var html = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(html, Does.Contain("security token").And.Contain("id=\"form-error\""));
        Assert.That(await Service.ScalarAsync<int>("SELECT count(*) FROM subscribers"), Is.Zero);
    }

    [Test]
    public async Task A_post_with_a_token_from_another_browser_is_refused()
    {
        using var other = Service.Client();
        var foreignToken = await Forms.TokenAsync(other);
        using var fresh = Service.Client();

        using var response = await Forms.PostWithTokenAsync(fresh, "/subscribe", Forms.Subscribe("foreign@example.org"), foreignToken);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await Service.ScalarAsync<int>("SELECT count(*) FROM subscribers"), Is.Zero);
    }

    [Test]
    public async Task A_post_that_is_not_a_form_is_refused()
    {
        await Forms.TokenAsync(Client);
        using var response = await Client.PostAsync(new Uri("/subscribe", UriKind.Relative),
            new StringContent("{\"email\":\"json@example.org\"}", System.Text.Encoding.UTF8, "application/json"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("id=\"form-error\""));
    }
}
