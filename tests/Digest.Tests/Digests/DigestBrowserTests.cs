using Digest.TestSupport;
using Microsoft.Playwright;
using static Digest.Tests.Digests.DigestSamples;

namespace Digest.Tests.Digests;

/// <summary>The HTML mail opened in Chromium, as a phone and a desktop mail program would show it, light and dark.</summary>
public sealed class DigestBrowserTests
{
    /// <summary>
    /// The lowest contrast ratio between any text and the background it is drawn on (WCAG formula),
    /// with the element that has it.
    /// </summary>
    internal const string LowestContrast = """
        () => {
          const rgb = c => (c.match(/[\d.]+/g) || []).map(Number);
          const lum = ([r, g, b]) => {
            const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
            return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
          };
          const background = el => {
            for (; el; el = el.parentElement) {
              const c = rgb(getComputedStyle(el).backgroundColor);
              if (c.length === 3 || c[3] > 0) return c.slice(0, 3);
            }
            return rgb(getComputedStyle(document.documentElement).backgroundColor).slice(0, 3);
          };
          let worst = { ratio: 99, text: '' };
          for (const el of document.body.querySelectorAll('*')) {
            const own = [...el.childNodes].filter(n => n.nodeType === 3 && n.textContent.trim()).map(n => n.textContent.trim()).join(' ');
            if (!own || el.offsetParent === null) continue;
            const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(background(el))];
            const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
            if (ratio < worst.ratio) worst = { ratio, text: own.slice(0, 60) };
          }
          return worst.ratio.toFixed(2) + ' ' + worst.text;
        }
        """;

    [TestCase(600, ColorScheme.Light)]
    [TestCase(600, ColorScheme.Dark)]
    [TestCase(375, ColorScheme.Light)]
    [TestCase(375, ColorScheme.Dark)]
    public async Task The_html_mail_is_readable_in_a_real_browser(int width, ColorScheme scheme)
    {
        var email = Renderer.Render(Realistic());
        var name = $"digest-mail-{width}-{scheme.ToString().ToLowerInvariant()}";
        await File.WriteAllTextAsync(Artifacts.PathFor("mail", "digest.html"), email.Html);
        await File.WriteAllTextAsync(Artifacts.PathFor("mail", "digest.txt"), email.Subject + "\n\n" + email.Text);
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(width);
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = scheme });

        await page.SetContentAsync(email.Html);
        await Browser.ScreenshotAsync(page, name);

        var overflow = await page.EvaluateAsync<bool>("document.documentElement.scrollWidth > window.innerWidth");
        Assert.That(overflow, Is.False, "the mail must not scroll sideways");
        var cardWidth = await page.EvaluateAsync<double>("document.querySelector('table table').getBoundingClientRect().width");
        Assert.That(cardWidth, Is.LessThanOrEqualTo(600));
        var contrast = await page.EvaluateAsync<string>(LowestContrast);
        Assert.That(double.Parse(contrast.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(4.5), contrast);
        Assert.That(await page.Locator("a", new() { HasText = "Reward Models That Explain Themselves" }).GetAttributeAsync("href"),
            Is.EqualTo("https://huggingface.co/papers/2511.00001"));
        Assert.That(await page.Locator("a", new() { HasText = "View in browser" }).IsVisibleAsync(), Is.True);
    }
}
