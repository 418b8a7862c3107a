using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using HandlebarsDotNet;

namespace Digest.Templates;

/// <summary>
/// Every template, compiled once: the shipped ones embedded in this assembly, each replaced by the
/// operator's file of the same name when there is one. Loading checks everything and throws a
/// <see cref="TemplateException"/> for the first problem, so a broken override stops the service
/// at start instead of failing a page or a mail later.
/// </summary>
/// <remarks>
/// A template's name is its path without ".hbs" ("pages/subscribe", "emails/confirmation.txt").
/// Names ending in ".txt" are plain text and compiled without HTML escaping; everything else is
/// HTML-escaped. Every template can be used as a partial under its name ("{{> partials/field}}",
/// "{{#> layouts/page}}…{{/layouts/page}}").
/// </remarks>
internal sealed partial class TemplateCatalog
{
    const string ResourcePrefix = "templates/";
    const string Extension = ".hbs";

    readonly Dictionary<string, HandlebarsTemplate<object, object>> _templates;
    readonly HandlebarsTemplate<object, object> _escape;
    readonly SearchValues<char> _unchanged;

    TemplateCatalog(Dictionary<string, HandlebarsTemplate<object, object>> templates, HandlebarsTemplate<object, object> escape)
    {
        _templates = templates;
        _escape = escape;
        // Asked of the encoder itself, not assumed: the printable ASCII characters it leaves alone.
        var unchanged = new StringBuilder();
        for (var c = ' '; c <= '~'; c++)
        {
            var one = c.ToString();
            if (escape(new EscapedValue(one)) == one)
                unchanged.Append(c);
        }
        _unchanged = SearchValues.Create(unchanged.ToString());
    }

    /// <summary>
    /// A value exactly as an HTML template's <c>{{value}}</c> writes it. A value with none of the
    /// characters the encoder changes is its own escaped form, without a rendering (a digest
    /// escapes dozens of values a mail).
    /// </summary>
    public string Escape(string value) =>
        value.AsSpan().ContainsAnyExcept(_unchanged) ? _escape(new EscapedValue(value)) : value;

    public IEnumerable<string> Names => _templates.Keys;

    public bool Contains(string name) => _templates.ContainsKey(name);

    public HandlebarsTemplate<object, object> this[string name] =>
        _templates.TryGetValue(name, out var template) ? template : throw new KeyNotFoundException($"There is no template named '{name}'.");

    public static bool IsText(string name) => name.EndsWith(".txt", StringComparison.Ordinal);

    /// <param name="overrideFolder">Templates:Folder: files in it replace shipped templates of the same name.</param>
    public static TemplateCatalog Load(string? overrideFolder)
    {
        var sources = Shipped();
        if (!string.IsNullOrWhiteSpace(overrideFolder))
            ApplyOverrides(sources, overrideFolder);

        foreach (var (name, source) in sources)
            TemplateSyntax.Check(source.Text, source.Origin, sources.ContainsKey);

        var html = Handlebars.Create(new HandlebarsConfiguration());
        var text = Handlebars.Create(new HandlebarsConfiguration { NoEscape = true });
        var templates = new Dictionary<string, HandlebarsTemplate<object, object>>(StringComparer.Ordinal);
        foreach (var (name, source) in sources)
        {
            Compile(source, () =>
            {
                // Partials are compiled in each environment so that text templates get unescaped ones.
                html.RegisterTemplate(name, source.Text);
                text.RegisterTemplate(name, source.Text);
            });
        }
        foreach (var (name, source) in sources)
            Compile(source, () => templates[name] = (IsText(name) ? text : html).Compile(source.Text));
        return new TemplateCatalog(templates, html.Compile("{{value}}"));
    }

    static void Compile(TemplateSource source, Action compile)
    {
        try
        {
            compile();
        }
        catch (HandlebarsException e)
        {
            // Handlebars.Net's parser says where ("Occured at: 2:10", the line counted from 0); its
            // compiler does not.
            var message = e.Message.ReplaceLineEndings(" ");
            var at = ParserPosition().Match(message);
            int? line = at.Success ? int.Parse(at.Groups["line"].Value, CultureInfo.InvariantCulture) + 1 : null;
            var reason = at.Success ? message[..at.Index].Trim() : message.Trim();
            throw new TemplateException(source.Origin, line, reason);
        }
    }

    static Dictionary<string, TemplateSource> Shipped()
    {
        var assembly = typeof(TemplateCatalog).Assembly;
        var sources = new Dictionary<string, TemplateSource>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var path = resource[ResourcePrefix.Length..];
            sources[path[..^Extension.Length]] = new TemplateSource(reader.ReadToEnd(), $"{path} (shipped)");
        }
        return sources;
    }

    static void ApplyOverrides(Dictionary<string, TemplateSource> sources, string folder)
    {
        if (!Directory.Exists(folder))
            throw new TemplateException(folder, null, "Templates:Folder names a folder that does not exist.");
        var strictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        foreach (var file in Directory.EnumerateFiles(folder, "*" + Extension, SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(folder, file).Replace(Path.DirectorySeparatorChar, '/');
            var name = relative[..^Extension.Length];
            if (!sources.ContainsKey(name))
            {
                throw new TemplateException(file, null,
                    $"'{relative}' does not replace any shipped template; an override must have the name of one of: " +
                    string.Join(", ", sources.Keys.Order(StringComparer.Ordinal).Select(n => n + Extension)) + ".");
            }
            var bytes = File.ReadAllBytes(file);
            string text;
            try
            {
                text = strictUtf8.GetString(bytes);
            }
            catch (DecoderFallbackException e)
            {
                var line = 1 + bytes.AsSpan(0, Math.Clamp(e.Index, 0, bytes.Length)).Count((byte)'\n');
                throw new TemplateException(file, line, "the file is not valid UTF-8.");
            }
            sources[name] = new TemplateSource(text.TrimStart('\uFEFF'), file);
        }
    }

    [GeneratedRegex(@"Occured at:\s*(?<line>\d+):(?<column>\d+)")]
    private static partial Regex ParserPosition();

    sealed record TemplateSource(string Text, string Origin);

    sealed record EscapedValue(string Value);
}
