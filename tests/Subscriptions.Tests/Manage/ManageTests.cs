using System.Net;
using Dapper;
using Digest.Subscriptions.Tests.Harness;

namespace Digest.Subscriptions.Tests.Manage;

public sealed class ManageTests : ServiceFixture
{
    [Test]
    public async Task The_page_shows_the_subscription_as_it_is()
    {
        await Subscribers.ActiveAsync(Service, Client, "show@example.org", "mixture of experts upvotes:3\nretrieval augmented generation");
        var links = await Subscribers.LinksAsync(Service, "show@example.org");

        var html = await Client.GetStringAsync(links.Manage);

        Assert.That(html, Does.Contain("show@example.org"));
        Assert.That(html, Does.Contain("mixture of experts upvotes:3\nretrieval augmented generation</textarea>"));
        Assert.That(html, Does.Contain("<option value=\"Europe/Paris\" selected>"));
        Assert.That(html, Does.Contain("Pause the digest"));
        Assert.That(html, Does.Not.Contain("data-guess-zone"), "a stored zone is not replaced by the browser's guess");
    }

    [Test]
    public async Task Saving_replaces_the_topics_and_the_schedule()
    {
        var id = await Subscribers.ActiveAsync(Service, Client, "edit@example.org", "old topic one\nold topic two");
        var manage = (await Subscribers.LinksAsync(Service, "edit@example.org")).Manage.AbsolutePath;

        using var saved = await Forms.PostAsync(Client, manage, Forms.Subscribe("ignored@example.org", "new topic category:cs.AI",
            ("frequency", "weekly"), ("weekday", "0"), ("hour", "6"), ("zone", "Asia/Kolkata")));

        Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(saved.Headers.Location?.OriginalString, Is.EqualTo(manage + "?done=saved"));
        Assert.That(await Client.GetStringAsync(new Uri(saved.Headers.Location!.OriginalString, UriKind.Relative)), Does.Contain("Your changes are saved."));
        await using var connection = await Service.OpenAsync();
        var row = await connection.QuerySingleAsync<(string Email, string Frequency, short? Weekday, short Hour, string Zone)>(
            "SELECT email, frequency, weekday, delivery_hour, time_zone FROM subscribers WHERE id = @id", new { id });
        Assert.That(row, Is.EqualTo(("edit@example.org", "weekly", (short?)0, (short)6, "Asia/Kolkata")), "the address cannot be changed here");
        var topics = await connection.QueryAsync<string>(
            "SELECT t.query || coalesce(' ' || t.category, '') FROM subscriber_topics st JOIN topics t ON t.id = st.topic_id WHERE st.subscriber_id = @id", new { id });
        Assert.That(topics, Is.EqualTo(new[] { "new topic cs.AI" }));
    }

    [Test]
    public async Task Invalid_changes_are_refused_by_field_and_nothing_changes()
    {
        var id = await Subscribers.ActiveAsync(Service, Client, "bad-edit@example.org", "kept topic");
        var manage = (await Subscribers.LinksAsync(Service, "bad-edit@example.org")).Manage.AbsolutePath;

        using var refused = await Forms.PostAsync(Client, manage, Forms.Subscribe("", "a and the", ("hour", "99")));
        var html = await refused.Content.ReadAsStringAsync();

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(html, Does.Contain("id=\"topics-error\"").And.Contain("id=\"hour-error\"").And.Not.Contain("id=\"email-error\""));
        Assert.That(await Service.ScalarAsync<string>(
            "SELECT string_agg(t.query, ',') FROM subscriber_topics st JOIN topics t ON t.id = st.topic_id WHERE st.subscriber_id = @id", new { id }),
            Is.EqualTo("kept topic"));
    }

    [Test]
    public async Task Pause_and_resume_switch_between_active_and_paused()
    {
        await Subscribers.ActiveAsync(Service, Client, "pause@example.org");
        var manage = (await Subscribers.LinksAsync(Service, "pause@example.org")).Manage.AbsolutePath;

        using (var paused = await Forms.PostAsync(Client, manage + "/pause", [], manage))
            Assert.That(paused.Headers.Location?.OriginalString, Is.EqualTo(manage + "?done=paused"));
        Assert.That(await Subscribers.StatusAsync(Service, "pause@example.org"), Is.EqualTo("paused"));
        Assert.That(await Client.GetStringAsync(new Uri(manage, UriKind.Relative)), Does.Contain("Resume the digest"));

        using (await Forms.PostAsync(Client, manage + "/resume", [], manage))
        {
        }
        Assert.That(await Subscribers.StatusAsync(Service, "pause@example.org"), Is.EqualTo("active"));
    }

    [Test]
    public async Task Resume_does_not_undo_an_unsubscribe()
    {
        await Subscribers.ActiveAsync(Service, Client, "no-resume@example.org");
        var links = await Subscribers.LinksAsync(Service, "no-resume@example.org");
        using (await Client.PostAsync(links.Unsubscribe, null))
        {
        }

        using (await Forms.PostAsync(Client, links.Manage.AbsolutePath + "/resume", [], links.Manage.AbsolutePath))
        {
        }

        Assert.That(await Subscribers.StatusAsync(Service, "no-resume@example.org"), Is.EqualTo("unsubscribed"));
    }

    [Test]
    public async Task Replacing_the_links_makes_the_old_ones_stop_working()
    {
        await Subscribers.ActiveAsync(Service, Client, "leaked@example.org");
        var old = await Subscribers.LinksAsync(Service, "leaked@example.org");

        using var replaced = await Forms.PostAsync(Client, old.Manage.AbsolutePath + "/new-links", [], old.Manage.AbsolutePath);
        var fresh = await Subscribers.LinksAsync(Service, "leaked@example.org");

        Assert.That(replaced.Headers.Location?.OriginalString, Is.EqualTo(fresh.Manage.AbsolutePath + "?done=new-links"));
        using (var oldManage = await Client.GetAsync(old.Manage))
            Assert.That(oldManage.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        using (var oldUnsubscribe = await Client.PostAsync(old.Unsubscribe, null))
            Assert.That(oldUnsubscribe.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        using (var freshManage = await Client.GetAsync(fresh.Manage))
            Assert.That(freshManage.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Deleting_my_data_removes_the_subscriber_and_everything_that_hangs_off_it()
    {
        var id = await Subscribers.ActiveAsync(Service, Client, "forget-me@example.org", "a topic only i follow");
        var manage = (await Subscribers.LinksAsync(Service, "forget-me@example.org")).Manage;

        using (var unticked = await Forms.PostAsync(Client, manage.AbsolutePath + "/delete", [], manage.AbsolutePath))
        {
            Assert.That(unticked.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await unticked.Content.ReadAsStringAsync(), Does.Contain("id=\"confirm-error\""));
        }
        Assert.That(await Service.ScalarAsync<int>("SELECT count(*) FROM subscribers WHERE id = @id", new { id }), Is.EqualTo(1));

        using var deleted = await Forms.PostAsync(Client, manage.AbsolutePath + "/delete", [new("confirm", "yes")], manage.AbsolutePath);

        Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await deleted.Content.ReadAsStringAsync(), Does.Contain("Your data is deleted"));
        foreach (var table in new[] { "subscribers WHERE id = @id", "subscriber_topics WHERE subscriber_id = @id",
                     "confirmations WHERE subscriber_id = @id", "outbox WHERE subscriber_id = @id" })
            Assert.That(await Service.ScalarAsync<int>($"SELECT count(*) FROM {table}", new { id }), Is.Zero, table);
        Assert.That(await Service.ScalarAsync<int>("SELECT count(*) FROM subscribers WHERE lower(email) = 'forget-me@example.org'"), Is.Zero);
        using var after = await Client.GetAsync(manage);
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Changes_need_the_antiforgery_token()
    {
        await Subscribers.ActiveAsync(Service, Client, "csrf-manage@example.org");
        var manage = (await Subscribers.LinksAsync(Service, "csrf-manage@example.org")).Manage.AbsolutePath;

        using var response = await Forms.PostWithTokenAsync(Service.Client(), manage + "/delete", [new("confirm", "yes")], token: null);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await Subscribers.StatusAsync(Service, "csrf-manage@example.org"), Is.EqualTo("active"));
    }

    [Test]
    public async Task An_unsubscribe_link_does_not_open_the_manage_page()
    {
        await Subscribers.ActiveAsync(Service, Client, "purpose@example.org");
        var links = await Subscribers.LinksAsync(Service, "purpose@example.org");

        using var response = await Client.GetAsync(new Uri("/manage/" + links.Unsubscribe.Segments[^1], UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }
}
