using Microsoft.Extensions.Options;

namespace Digest.Templates;

/// <summary>
/// Renders the compiled templates: pages, emails, and whatever later features add under
/// Shipped/. Thread-safe; one per process.
/// </summary>
public sealed class TemplateRenderer
{
    readonly TemplateCatalog _catalog;

    public TemplateRenderer(IOptions<TemplateOptions> options)
        : this(TemplateCatalog.Load(options.Value.Folder))
    {
    }

    internal TemplateRenderer(TemplateCatalog catalog) => _catalog = catalog;

    /// <summary>Creates a renderer over the shipped templates and an override folder's, checking them all.</summary>
    /// <exception cref="TemplateException">A template is broken.</exception>
    public static TemplateRenderer Load(string? overrideFolder = null) => new(TemplateCatalog.Load(overrideFolder));

    public bool Contains(string name) => _catalog.Contains(name);

    /// <summary>Renders one template (HTML-escaped unless its name ends in ".txt").</summary>
    public string Render(string name, object model) => _catalog[name](model);

    /// <summary>A value as an HTML template writes <c>{{value}}</c>: escaped the same way.</summary>
    public string Escape(string value) => _catalog.Escape(value);

    /// <summary>
    /// An email from its three templates: <c>emails/{name}.subject.txt</c> (one line),
    /// <c>emails/{name}.html</c> and <c>emails/{name}.txt</c>.
    /// </summary>
    public RenderedEmail RenderEmail(string name, object model)
    {
        return new RenderedEmail(OneLine(Render($"emails/{name}.subject.txt", model)), Render($"emails/{name}.html", model), Render($"emails/{name}.txt", model));
    }

    /// <summary>A subject is one header line: whatever line breaks a template or a value brought in go.</summary>
    public static string OneLine(string subject) =>
        string.Join(' ', subject.Split((char[])['\r', '\n', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
}

public sealed record RenderedEmail(string Subject, string Html, string Text);
