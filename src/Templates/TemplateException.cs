namespace Digest.Templates;

/// <summary>A template that cannot be used: where it is (file and line, when known) and why.</summary>
public sealed class TemplateException(string file, int? line, string reason)
    : Exception(line is null ? $"{file}: {reason}" : $"{file}, line {line}: {reason}")
{
    /// <summary>The override file's path, or the shipped template's name.</summary>
    public string File { get; } = file;

    public int? Line { get; } = line;

    public string Reason { get; } = reason;
}
