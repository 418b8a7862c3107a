using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using Digest.Papers;
using Digest.TestSupport;

namespace Digest.Tests.Papers.Site;

/// <summary>
/// Thousands of generated bad dates, ids and queries (a fixed seed, so a failure replays): each is
/// answered 4xx with a page, never 5xx; random "pathological" searches never get a 5xx either.
/// </summary>
public sealed class BadInputTests
{
    const int Seed = 20251201;
    const int EachKind = 700;

    DigestApp _app = null!;
    HttpClient _client = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        _app = new DigestApp(connectionString, new Dictionary<string, string?> { ["Subscriptions:RequestsPerClientPerMinute"] = "100000" });
        // Kestrel, not the in-memory server: the bytes of a bad request line reach the real parser.
        _client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, MaxConnectionsPerServer = 8 }) { BaseAddress = _app.StartOnLoopback() };
        await SiteWeek.InsertAsync(connectionString);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    [Test]
    public async Task Generated_bad_dates_ids_and_queries_get_4xx_and_random_searches_never_5xx()
    {
        var random = new Random(Seed);
        var bad = new List<string>();
        bad.AddRange(Enumerable.Range(0, EachKind).Select(_ => "/papers/" + BadDate(random)));
        bad.AddRange(Enumerable.Range(0, EachKind / 7).Select(_ => "/papers?date=" + Uri.EscapeDataString(BadDate(random))));
        bad.AddRange(Enumerable.Range(0, EachKind).Select(_ => "/papers/" + BadId(random)));
        bad.AddRange(Enumerable.Range(0, EachKind).Select(i => (i % 4 == 0 ? "/search/feed?q=" : "/search?q=") + BadQuery(random)));
        var pathological = Enumerable.Range(0, 300)
            .Select(i => "/search?q=" + (i % 10 == 0 ? PercentBytes(random) : "") + Uri.EscapeDataString(RandomQuery(random))).ToList();

        var answers = await GetAllAsync(bad.Concat(pathological));

        Assert.That(bad.Count + pathological.Count, Is.GreaterThanOrEqualTo(2_000));
        var notClientErrors = bad.Where(p => answers[p] is < 400 or >= 500).Select(p => $"{answers[p]} {p}").ToList();
        Assert.That(notClientErrors, Is.Empty, "every bad input is the client's mistake");
        var serverErrors = pathological.Where(p => answers[p] >= 500).Select(p => $"{answers[p]} {p}").ToList();
        Assert.That(serverErrors, Is.Empty);
        Assert.That(pathological.Count(p => answers[p] == 200), Is.GreaterThan(0), "some random searches are fine searches");
    }

    async Task<IReadOnlyDictionary<string, int>> GetAllAsync(IEnumerable<string> paths)
    {
        var answers = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(paths.Distinct(StringComparer.Ordinal), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (path, cancellationToken) =>
        {
            using var response = await _client.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
            answers[path] = (int)response.StatusCode;
        });
        return answers;
    }

    /// <summary>Shaped like a date but not one the site has: impossible months and days, other shapes, other digits, years out of range.</summary>
    static string BadDate(Random random)
    {
        while (true)
        {
            var year = random.Next(0, 10_000);
            var month = random.Next(0, 100);
            var day = random.Next(0, 100);
            var text = random.Next(8) switch
            {
                0 => $"{year:0000}-{month:00}-{day:00}",
                1 => $"{year:0000}-{month}-{day}",
                2 => $"{year:0000}-{month:00}-{day:00}{Junk(random, 3)}",
                3 => $"{year:0000}-{month:00}",
                4 => $"{random.Next(1000, 3000)}-02-{random.Next(30, 32)}",
                5 => $"{random.Next(0, 1991):0000}-01-01",
                6 => $"{year:0000}-{month:00}-{day:00}T00:00",
                _ => $"{year:0000}-{month:00}-{day:00}".Replace('0', '\uFF10'),
            };
            // Only what is really a day the site shows is not bad input.
            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) && date.Year >= 1991 && date.Year <= 2999)
                continue;
            return Uri.EscapeDataString(text);
        }
    }

    /// <summary>Ids of papers that do not exist, and things that are no id at all (escaped bytes, traversal, huge, odd Unicode).</summary>
    static string BadId(Random random)
    {
        while (true)
        {
            var raw = random.Next(9) switch
            {
                0 => $"{random.Next(0, 10_000):0000}.{random.Next(0, 100_000):00000}",
                1 => "local-" + Convert.ToHexStringLower(RandomBytes(random, 8)),
                2 => "hep-th/" + random.Next(0, 10_000_000).ToString("0000000", CultureInfo.InvariantCulture),
                3 => Junk(random, random.Next(1, 40)),
                4 => new string('9', random.Next(65, 5_000)),
                5 => "../" + Junk(random, 8),
                6 => "local-" + Junk(random, 16),
                7 => $"{random.Next(1000, 9999)}.{random.Next(10_000, 99_999)}/extra",
                _ => "\U0001F600" + Junk(random, 5),
            };
            var normalised = PaperId.Normalise(raw);
            // A known paper, or another spelling of an id (which redirects), is not bad input.
            if (normalised is not null && (normalised != raw || normalised.StartsWith("2509.0100", StringComparison.Ordinal)))
                continue;
            return raw.Length > 0 && random.Next(5) == 0 ? PercentBytes(random) + Uri.EscapeDataString(raw) : Uri.EscapeDataString(raw);
        }
    }

    /// <summary>
    /// A query that breaks one of the topic rules (already escaped for the query string). Not bytes
    /// that are not UTF-8: ASP.NET keeps such an escape as the literal text "%FF", which is a fine
    /// search (the random ones below carry them).
    /// </summary>
    static string BadQuery(Random random)
    {
        var word = Words[random.Next(Words.Length)];
        var text = random.Next(11) switch
        {
            0 => string.Join(' ', Enumerable.Repeat(word, 201 / word.Length + 1)),
            1 => word + "\u0000" + word,
            2 => word + "\u0007",
            3 => $"{word} author:\"{Junk(random, 6).Replace("\"", "", StringComparison.Ordinal)}",
            4 => $"{word} {Qualifiers[random.Next(Qualifiers.Length)]}",
            5 => $"{word} category:cs.CL category:cs.LG",
            6 => $"{word} category:{Junk(random, 6).Replace(' ', 'x')}zz",
            7 => $"{word} upvotes:{(random.Next(2) == 0 ? "-" + random.Next(1, 100) : "9999999999")}",
            8 => string.Join(' ', Enumerable.Range(0, random.Next(1, 6)).Select(_ => StopWords[random.Next(StopWords.Length)])),
            9 => string.Join(' ', Enumerable.Range(0, random.Next(1, 4)).Select(_ => "-" + PlainWords[random.Next(PlainWords.Length)])),
            _ => "author:" + word,
        };
        return Uri.EscapeDataString(text);
    }

    /// <summary>Anything at all, built from the characters the topic syntax and websearch_to_tsquery treat specially.</summary>
    static string RandomQuery(Random random)
    {
        var text = new StringBuilder();
        var parts = random.Next(1, 12);
        for (var i = 0; i < parts; i++)
        {
            text.Append(random.Next(6) switch
            {
                0 => Words[random.Next(Words.Length)],
                1 => Specials[random.Next(Specials.Length)],
                2 => Qualifiers[random.Next(Qualifiers.Length)] + Words[random.Next(Words.Length)],
                3 => "\"" + Words[random.Next(Words.Length)],
                4 => Junk(random, random.Next(1, 6)),
                _ => "or",
            });
            text.Append(random.Next(4) == 0 ? "" : " ");
        }
        return text.ToString();
    }

    static readonly string[] Words = ["diffusion", "reward", "attention", "fine-tuning", "models", "llm", "rl", "vision", "graph", "Ünïcødé", "数据", "O(n)"];
    static readonly string[] PlainWords = ["diffusion", "reward", "attention", "models", "vision", "graph"];
    static readonly string[] StopWords = ["the", "and", "of", "a", "to", "is"];
    static readonly string[] Qualifiers = ["author:", "category:", "upvotes:"];
    static readonly string[] Specials = ["\"", "-", "--", "(", ")", "|", "&", "!", ":", "*", "'", "\\", "<->", "' OR 1=1 --", "%", "_", "\t", "\u200B", "\uFFFD"];

    static string Junk(Random random, int length)
    {
        const string Alphabet = "abcxyz0189-_.~!$&'()*+,;=:@ /\\\"<>#%{}|^[]`\u00e9\u4e2d\U0001F600";
        var text = new StringBuilder();
        while (text.Length < length)
            text.Append(char.ConvertFromUtf32(char.ConvertToUtf32(Alphabet, Index(Alphabet, random))));
        return text.ToString();
    }

    /// <summary>A random index into the text that does not split a surrogate pair.</summary>
    static int Index(string text, Random random)
    {
        var index = random.Next(text.Length);
        return char.IsLowSurrogate(text[index]) ? index - 1 : index;
    }

    static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Escaped bytes that are not UTF-8 (%C0%AF, %FF) or are NUL.</summary>
    static string PercentBytes(Random random) =>
        string.Concat(RandomBytes(random, random.Next(1, 4)).Select(b => "%" + (random.Next(3) == 0 ? "00" : Math.Max(b, (byte)0x80).ToString("X2", CultureInfo.InvariantCulture))));
}
