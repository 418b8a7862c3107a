using System.Net;
using System.Text;
using Dapper;
using Digest.Subscriptions.Tests.Harness;

namespace Digest.Subscriptions.Tests.Confirm;

public sealed class ConfirmTests : ServiceFixture
{
    [Test]
    public async Task Opening_the_link_shows_what_will_be_confirmed_and_confirms_nothing()
    {
        await Forms.SubscribeAsync(Client, "scanner@example.org", "speculative decoding");
        var path = await Subscribers.ConfirmationPathAsync(Service, "scanner@example.org");

        // What a mail scanner does: fetch the link, several times, without cookies.
        using var scanner = Service.Client();
        for (var i = 0; i < 3; i++)
        {
            using var response = await scanner.GetAsync(new Uri(path, UriKind.Relative));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("Confirm my subscription").And.Contain("speculative decoding"));
        }

        Assert.That(await Subscribers.StatusAsync(Service, "scanner@example.org"), Is.EqualTo("pending"));
    }

    [Test]
    public async Task Pressing_the_button_activates_the_subscriber_once()
    {
        await Forms.SubscribeAsync(Client, "button@example.org");
        var path = await Subscribers.ConfirmationPathAsync(Service, "button@example.org");

        using var confirmed = await Forms.PostAsync(Client, path, []);
        var html = await confirmed.Content.ReadAsStringAsync();

        Assert.That(confirmed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(html, Does.Contain("You are subscribed").And.Contain("/manage/"));
        Assert.That(await Subscribers.StatusAsync(Service, "button@example.org"), Is.EqualTo("active"));
        Assert.That(await Service.ScalarAsync<int>("SELECT count(*) FROM subscribers WHERE email = 'button@example.org' AND confirmed_at IS NOT NULL"), Is.EqualTo(1));

        using var again = await Client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "a confirmation link works once");
    }

    [Test]
    public async Task A_suppressed_address_that_subscribes_again_and_confirms_is_active_with_a_clean_record()
    {
        var id = await Subscribers.ActiveAsync(Service, Client, "bounced-back@example.org");
        await Service.ExecuteAsync("""
            UPDATE subscribers SET status = 'suppressed', hard_failures = 3, suppressed_at = now(),
                   suppressed_reason = '3 hard bounces in a row; the last: 550 5.1.1 No such user here'
            WHERE id = @id
            """, new { id });
        Service.Clock.Advance(TimeSpan.FromDays(1)); // past the one-mail-per-address window

        await Forms.SubscribeAsync(Client, "bounced-back@example.org");
        Assert.That(await Subscribers.StatusAsync(Service, "bounced-back@example.org"), Is.EqualTo("suppressed"), "until the link is followed");
        using var confirmed = await Subscribers.ConfirmAsync(Service, Client, "bounced-back@example.org", mails: 2);

        Assert.That(confirmed.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.OK));
        var row = await Service.ScalarAsync<string>("SELECT concat_ws('|', status, hard_failures, suppressed_at IS NULL, suppressed_reason IS NULL) FROM subscribers WHERE id = @id", new { id });
        Assert.That(row, Is.EqualTo("active|0|t|t"));
    }

    [Test]
    public async Task A_link_expires_after_48_hours()
    {
        await Forms.SubscribeAsync(Client, "late@example.org");
        var path = await Subscribers.ConfirmationPathAsync(Service, "late@example.org");
        Service.Clock.Advance(TimeSpan.FromHours(48) + TimeSpan.FromSeconds(1));
        try
        {
            using var shown = await Client.GetAsync(new Uri(path, UriKind.Relative));
            using var pressed = await Forms.PostWithTokenAsync(Client, path, [], await Forms.TokenAsync(Client));

            Assert.That(shown.StatusCode, Is.EqualTo(HttpStatusCode.Gone));
            Assert.That(await shown.Content.ReadAsStringAsync(), Does.Contain("expired"));
            Assert.That(pressed.StatusCode, Is.EqualTo(HttpStatusCode.Gone));
            Assert.That(await Subscribers.StatusAsync(Service, "late@example.org"), Is.EqualTo("pending"));
        }
        finally
        {
            Service.Clock.Advance(-(TimeSpan.FromHours(48) + TimeSpan.FromSeconds(1)));
        }
    }

    [Test]
    public async Task A_link_with_the_right_selector_but_a_wrong_verifier_neither_works_nor_spends_the_real_one()
    {
        await Forms.SubscribeAsync(Client, "forged@example.org");
        var path = await Subscribers.ConfirmationPathAsync(Service, "forged@example.org");
        var token = path.Split('/')[^1];
        var forged = token[..16] + new string(token[16] == 'A' ? 'B' : 'A', 1) + token[17..];

        using var refused = await Forms.PostWithTokenAsync(Client, "/confirm/" + forged, [], await Forms.TokenAsync(Client));
        using var accepted = await Forms.PostAsync(Client, path, []);

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Only_a_hash_of_the_token_is_stored()
    {
        await Forms.SubscribeAsync(Client, "hashed@example.org");
        var token = (await Subscribers.ConfirmationPathAsync(Service, "hashed@example.org")).Split('/')[^1];
        var raw = System.Buffers.Text.Base64Url.DecodeFromChars(token);

        await using var connection = await Service.OpenAsync();
        var stored = await connection.QuerySingleAsync<(byte[] Selector, byte[] VerifierHash)>("""
            SELECT c.selector, c.verifier_hash FROM confirmations c JOIN subscribers s ON s.id = c.subscriber_id WHERE s.email = 'hashed@example.org'
            """);

        Assert.That(raw, Has.Length.EqualTo(36), "288 bits: a 96-bit selector and a 192-bit verifier");
        Assert.That(stored.Selector, Is.EqualTo(raw[..12]));
        Assert.That(stored.VerifierHash, Is.EqualTo(System.Security.Cryptography.SHA256.HashData(raw[12..])));
        Assert.That(Convert.ToHexString(stored.VerifierHash), Does.Not.Contain(Convert.ToHexString(raw[12..])));
    }

    [Test]
    public async Task Confirming_needs_the_antiforgery_token()
    {
        await Forms.SubscribeAsync(Client, "csrf@example.org");
        var path = await Subscribers.ConfirmationPathAsync(Service, "csrf@example.org");

        using var response = await Client.PostAsync(new Uri(path, UriKind.Relative), new StringContent("", Encoding.ASCII, "application/x-www-form-urlencoded"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await Subscribers.StatusAsync(Service, "csrf@example.org"), Is.EqualTo("pending"));
    }

    [TestCase("short")]
    [TestCase("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [TestCase("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!")]
    public async Task A_malformed_or_unknown_token_gets_a_page_that_says_so(string token)
    {
        using var response = await Client.GetAsync(new Uri("/confirm/" + Uri.EscapeDataString(token), UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("This confirmation link does not work"));
    }
}
