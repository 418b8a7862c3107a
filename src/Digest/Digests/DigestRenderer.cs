using Digest.Templates;

namespace Digest.Digests;

/// <summary>
/// The digest mail (templates/emails/digest.*) and its view-in-browser page, which is the mail's
/// HTML without the link to itself. Everything a template cannot decide (plurals, which topics to
/// name, where to cut an abstract, line wrapping) is decided in <see cref="DigestView"/>.
/// </summary>
public sealed class DigestRenderer(TemplateRenderer templates)
{
    public const string TemplateName = "digest";

    public RenderedEmail Render(DigestContent content) =>
        templates.RenderEmail(TemplateName, DigestView.Of(content, inBrowser: false));

    public string RenderPage(DigestContent content) =>
        templates.Render($"emails/{TemplateName}.html", DigestView.Of(content, inBrowser: true));
}
