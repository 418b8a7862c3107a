using System.Text;
using Digest.Digests;

namespace Digest.Tests.Digests;

/// <summary>
/// Flattening and wrapping take a short cut for text that is already one line; over many generated
/// texts they still give what the rules say, written here the slow way.
/// </summary>
public sealed class DigestTextTests
{
    static readonly string[] Pieces = ["word", "RLHF", "a", "Überraschung", "—", "😀", " ", "  ", "\t", "\n", "\r\n", "\u00A0", "\u2003", "\u3000", "\u0085", "x,", "(y)", "…", "https://example.org/a-long-path/that-will-not-break"];

    static IEnumerable<string> Texts()
    {
        var random = new Random(20261201);
        yield return "";
        yield return " ";
        yield return "one";
        for (var n = 0; n < 3_000; n++)
        {
            var text = new StringBuilder();
            var parts = random.Next(1, 40);
            for (var i = 0; i < parts; i++)
            {
                text.Append(Pieces[random.Next(Pieces.Length)]);
                // Mostly single spaces between words, as real titles and topics are.
                if (random.Next(3) > 0)
                    text.Append(' ');
            }
            yield return random.Next(2) == 0 ? text.ToString() : text.ToString().Trim(' ');
        }
    }

    [Test]
    public void Flattening_makes_every_run_of_whitespace_one_space_and_none_at_either_end()
    {
        foreach (var text in Texts())
        {
            var expected = string.Join(' ', SplitOnWhitespace(text));
            Assert.That(DigestText.Flatten(text), Is.EqualTo(expected), Show(text));
        }
    }

    [Test]
    public void Flattening_the_start_stops_after_the_character_past_the_limit()
    {
        foreach (var text in Texts())
        {
            foreach (var max in new[] { 0, 1, 5, 40, 121 })
            {
                var flat = string.Join(' ', SplitOnWhitespace(text));
                var start = DigestText.FlattenStart(text, max);
                Assert.That(flat.StartsWith(start, StringComparison.Ordinal), Is.True, Show(text));
                Assert.That(start.Length, Is.EqualTo(Math.Min(flat.Length, max + 1)).Or.EqualTo(max).Or.EqualTo(flat.Length), Show(text));
                if (flat.Length <= max)
                    Assert.That(start, Is.EqualTo(flat), Show(text));
            }
        }
    }

    [Test]
    public void Wrapping_fills_each_line_with_whole_words_up_to_the_width()
    {
        foreach (var text in Texts())
        {
            foreach (var width in new[] { 10, 40, 72 })
                Assert.That(DigestText.Wrap(text, width, "    "), Is.EqualTo(WrapSlowly(text, width, "    ")), Show(text));
        }
    }

    /// <summary>Words split at every character <see cref="char.IsWhiteSpace"/> calls whitespace.</summary>
    static List<string> SplitOnWhitespace(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        foreach (var c in text)
        {
            if (!char.IsWhiteSpace(c))
            {
                word.Append(c);
                continue;
            }
            if (word.Length > 0)
                words.Add(word.ToString());
            word.Clear();
        }
        if (word.Length > 0)
            words.Add(word.ToString());
        return words;
    }

    /// <summary>Greedy: a word goes on the line if it fits with its space, else starts the next line after the indent.</summary>
    static string WrapSlowly(string text, int width, string indent)
    {
        var lines = new List<string>();
        var line = "";
        foreach (var word in SplitOnWhitespace(text))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line);
                line = word;
            }
            else
            {
                line = line.Length == 0 ? word : line + " " + word;
            }
        }
        if (line.Length > 0)
            lines.Add(line);
        return string.Join("\n" + indent, lines);
    }

    static string Show(string text) => "for " + string.Concat(text.Select(c => c < ' ' || c > '~' ? $"\\u{(int)c:X4}" : c.ToString()));
}
