namespace Digest.Templates;

/// <summary>
/// Checks what Handlebars.Net itself reports late or without a line number: blocks that are not
/// closed or closed by the wrong tag, partials that do not exist and helpers that are not
/// registered (Handlebars.Net only notices the last two when a template is rendered, and says
/// nothing about where). A scan of the <c>{{…}}</c> tags, not a second parser: what it does not
/// understand it leaves to the compiler.
/// </summary>
internal static class TemplateSyntax
{
    /// <summary>Handlebars.Net's built-in helpers; this project registers no others.</summary>
    static readonly HashSet<string> Helpers = ["if", "unless", "each", "with", "lookup", "log"];

    public static void Check(string source, string file, Func<string, bool> templateExists)
    {
        var blocks = new Stack<(string Name, int Line)>();
        var line = 1;
        var position = 0;
        while (true)
        {
            var start = source.IndexOf("{{", position, StringComparison.Ordinal);
            if (start < 0)
                break;
            line += CountLines(source, position, start);
            var (closer, skip) = source.AsSpan(start) switch
            {
                var s when s.StartsWith("{{!--") => ("--}}", true),
                var s when s.StartsWith("{{!") => ("}}", true),
                var s when s.StartsWith("{{{") => ("}}}", false),
                _ => ("}}", false),
            };
            var end = source.IndexOf(closer, start + 2, StringComparison.Ordinal);
            if (end < 0)
                throw new TemplateException(file, line, $"'{Excerpt(source, start)}' is never closed with '{closer}'.");
            var tagLine = line;
            line += CountLines(source, start, end);
            position = end + closer.Length;
            // "\{{" is a literal "{{" in Handlebars; comments may say anything.
            if (skip || (start > 0 && source[start - 1] == '\\'))
                continue;
            var tag = source[(start + (closer == "}}}" ? 3 : 2))..end].Trim().Trim('~').Trim();
            if (tag.StartsWith('>') && IsIndented(source, start))
            {
                // Handlebars.Net 2.4 indents a partial that stands alone on an indented line, and in
                // doing so writes its output without HTML escaping: a cross-site scripting hole.
                throw new TemplateException(file, tagLine,
                    "a partial call may not be indented (Handlebars.Net then leaves the partial's values unescaped); start the line with '{{>'.");
            }
            Inspect(tag, tagLine, file, blocks, templateExists);
        }
        if (blocks.TryPeek(out var unclosed))
            throw new TemplateException(file, unclosed.Line, $"'{{{{#{unclosed.Name}}}}}' is never closed: add '{{{{/{unclosed.Name}}}}}'.");
    }

    static void Inspect(string tag, int line, string file, Stack<(string Name, int Line)> blocks, Func<string, bool> templateExists)
    {
        if (tag.Length == 0)
            throw new TemplateException(file, line, "'{{}}' is empty.");
        switch (tag[0])
        {
            case '#':
            {
                var rest = tag[1..].TrimStart();
                if (rest.StartsWith('>'))
                {
                    var partial = CheckPartial(rest[1..], line, file, templateExists);
                    blocks.Push((partial, line));
                    return;
                }
                var words = Words(rest.TrimStart('*'));
                if (words.Count == 0)
                    throw new TemplateException(file, line, "'{{#}}' opens a block without a name.");
                if (words.Count > 1)
                    CheckHelper(words[0], line, file);
                CheckSubexpressions(words, line, file);
                blocks.Push((words[0], line));
                return;
            }
            case '^':
            {
                var rest = tag[1..].Trim();
                if (rest.Length == 0)
                    RequireOpenBlock("{{^}}", line, file, blocks);
                else
                    blocks.Push((Words(rest)[0], line));
                return;
            }
            case '/':
            {
                var name = tag[1..].Trim();
                if (!blocks.TryPop(out var open))
                    throw new TemplateException(file, line, $"'{{{{/{name}}}}}' closes a block that was never opened.");
                if (open.Name != name)
                    throw new TemplateException(file, line, $"'{{{{/{name}}}}}' closes '{{{{#{open.Name}}}}}' from line {open.Line}: write '{{{{/{open.Name}}}}}'.");
                return;
            }
            case '>':
                CheckPartial(tag[1..], line, file, templateExists);
                return;
        }
        var parts = Words(tag);
        if (parts[0] == "else")
        {
            RequireOpenBlock("{{else}}", line, file, blocks);
            if (parts.Count > 2)
                CheckHelper(parts[1], line, file);
            CheckSubexpressions(parts, line, file);
            return;
        }
        if (parts.Count > 1)
            CheckHelper(parts[0], line, file);
        CheckSubexpressions(parts, line, file);
    }

    static string CheckPartial(string rest, int line, string file, Func<string, bool> templateExists)
    {
        var words = Words(rest.Trim());
        if (words.Count == 0)
            throw new TemplateException(file, line, "'{{>}}' names no partial.");
        var name = words[0].Trim('"', '\'');
        // A dynamic partial "(expression)" and the partial-block placeholder are resolved when rendering.
        if (name.StartsWith('(') || name.StartsWith('@'))
            return name;
        if (!templateExists(name))
            throw new TemplateException(file, line, $"'{{{{> {name}}}}}' refers to a template that does not exist.");
        return name;
    }

    static void CheckHelper(string name, int line, string file)
    {
        if (!Helpers.Contains(name))
            throw new TemplateException(file, line, $"'{name}' is not a helper (the helpers are {string.Join(", ", Helpers)}).");
    }

    static void CheckSubexpressions(IEnumerable<string> words, int line, string file)
    {
        foreach (var word in words)
        {
            var value = word.Contains('=', StringComparison.Ordinal) && !word.StartsWith('(') ? word[(word.IndexOf('=', StringComparison.Ordinal) + 1)..] : word;
            if (!value.StartsWith('('))
                continue;
            if (!value.EndsWith(')'))
                throw new TemplateException(file, line, $"'{value}' has no closing parenthesis.");
            var inner = Words(value[1..^1]);
            if (inner.Count == 0)
                throw new TemplateException(file, line, "'()' is an empty subexpression.");
            CheckHelper(inner[0], line, file);
            CheckSubexpressions(inner, line, file);
        }
    }

    static void RequireOpenBlock(string tag, int line, string file, Stack<(string Name, int Line)> blocks)
    {
        if (blocks.Count == 0)
            throw new TemplateException(file, line, $"'{tag}' is outside any block.");
    }

    /// <summary>Splits a tag's inside at spaces, keeping quoted strings and parenthesised subexpressions whole.</summary>
    internal static List<string> Words(string text)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        var depth = 0;
        char? quote = null;
        foreach (var c in text)
        {
            if (quote is not null)
            {
                if (c == quote)
                    quote = null;
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '(')
            {
                depth++;
            }
            else if (c == ')')
            {
                depth--;
            }
            else if (char.IsWhiteSpace(c) && depth == 0)
            {
                if (current.Length > 0)
                    words.Add(current.ToString());
                current.Clear();
                continue;
            }
            current.Append(c);
        }
        if (current.Length > 0)
            words.Add(current.ToString());
        return words;
    }

    /// <summary>Whether only spaces or tabs, at least one, come before the tag on its line.</summary>
    static bool IsIndented(string source, int tagStart)
    {
        var lineStart = source.LastIndexOf('\n', Math.Max(tagStart - 1, 0)) + 1;
        if (tagStart == 0 || lineStart >= tagStart)
            return false;
        return source.AsSpan(lineStart, tagStart - lineStart).IndexOfAnyExcept(' ', '\t') < 0;
    }

    static int CountLines(string source, int from, int to) => source.AsSpan(from, to - from).Count('\n');

    static string Excerpt(string source, int start)
    {
        var end = source.IndexOfAny(['\n', '\r'], start);
        var excerpt = end < 0 ? source[start..] : source[start..end];
        return excerpt.Length > 40 ? excerpt[..40] + "…" : excerpt;
    }
}
