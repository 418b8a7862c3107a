using Digest.TestSupport;

namespace Digest.Tests.Web;

public sealed class HomePageTests
{
    [TestCase(1280)]
    [TestCase(375)]
    public async Task The_home_page_says_what_the_service_is_in_a_real_browser(int width)
    {
        await using var app = new DigestApp(await TestPostgres.CreateDatabaseAsync());
        var baseAddress = app.StartOnLoopback();
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(width);

        var response = await page.GotoAsync(baseAddress.ToString());
        await Browser.ScreenshotAsync(page, $"home-{width}");

        Assert.That(response!.Status, Is.EqualTo(200));
        Assert.That(await page.TitleAsync(), Does.Contain("Digest"));
        Assert.That(await page.InnerTextAsync("h1"), Is.EqualTo("Digest"));
        var overflow = await page.EvaluateAsync<bool>("document.documentElement.scrollWidth > window.innerWidth");
        Assert.That(overflow, Is.False, "the page must not scroll sideways");
    }
}
