using System.Text;

namespace Digest.Subscriptions.Web;

/// <summary>What a form field may contain: text, not control characters or the debris of invalid UTF-8.</summary>
internal static class FormText
{
    /// <summary>Describes the first character the field may not contain, or null when there is none.</summary>
    /// <param name="multiline">Whether line breaks (and tabs) are allowed, as in the topics box.</param>
    public static string? FindUnacceptable(string text, bool multiline = true)
    {
        // The form reader turns bytes that are not UTF-8 into U+FFFD, and EnumerateRunes does the same
        // with a lone surrogate: either way it is not text anyone typed.
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune == Rune.ReplacementChar)
                return "bytes that are not valid UTF-8 text";
            if (rune.Value == 0)
                return "a NUL character";
            if (rune.Value is '\r' or '\n')
            {
                if (!multiline)
                    return "a line break";
                continue;
            }
            if (rune.Value == '\t' && multiline)
                continue;
            if (Rune.IsControl(rune))
                return "a control character";
        }
        return null;
    }
}
