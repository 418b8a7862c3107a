using System.Text.Json;
using Dapper;
using Npgsql;

namespace Digest.Tests.Papers.Site;

/// <summary>
/// A week of papers for the site's tests: Thursday 2025-09-04, Friday 2025-09-05 and Monday
/// 2025-09-08 have papers, the weekend has none. Most are demo papers (real titles and abstracts,
/// their local ids, no authors); Monday's top three are test papers with arXiv-shaped ids, authors,
/// keywords, categories and links, as the Hugging Face feed gives them.
/// </summary>
public static class SiteWeek
{
    public static readonly DateOnly Thursday = new(2025, 9, 4), Friday = new(2025, 9, 5), Saturday = new(2025, 9, 6), Monday = new(2025, 9, 8);

    public const string TopPaper = "2509.01001";
    public const string TopTitle = "Reward Models Are Secretly Value Functions";

    public static async Task InsertAsync(string connectionString)
    {
        var rows = new List<Row>
        {
            new(TopPaper, TopTitle, "We show that a reward model trained on preferences is a value function in disguise.\n\nThis explains why best-of-n sampling works and suggests a cheaper alternative.",
                ["A. Author", "B. Author", "C. Author", "D. Author", "E. Author", "F. Author"], ["cs.LG", "cs.CL"], ["reward model", "preference optimization", "value function"],
                "https://huggingface.co/papers/" + TopPaper, null, "https://github.com/example/reward-values", At(Monday, 2), 26),
            new("2509.01002", "Sparse Attention in O(n log n) and Beyond", "A sparse attention pattern that keeps long-context quality at a fraction of the cost.",
                ["G. Author", "H. Author"], ["cs.CL"], ["sparse attention", "long context"], "https://huggingface.co/papers/2509.01002", null, null, At(Monday, 4), 19),
            new("2509.01003", "Diffusion Planners for Robot Manipulation", "Diffusion models plan manipulation trajectories better than autoregressive policies.",
                ["I. Author"], ["cs.RO", "cs.LG"], ["diffusion models", "planning"], null, null, null, At(Monday, 5), 12),
        };
        var demo = DemoPapers().ToList();
        var days = new[] { (Monday, 9), (Friday, 10), (Thursday, 8) };
        var next = 0;
        foreach (var (day, count) in days)
        {
            foreach (var paper in demo.Skip(next).Take(count))
            {
                rows.Add(new Row(paper.Id, paper.Title, paper.Abstract, [], [], [], null, null, null, At(day, 1 + next % 20), paper.Upvotes + (count - next % count)));
                next++;
            }
        }
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.ExecuteAsync("""
            INSERT INTO papers (id, title, abstract, authors, categories, keywords, page_url, pdf_url, code_url, listed_at, upvotes, sources)
            VALUES (@Id, @Title, @Abstract, @Authors, @Categories, @Keywords, @PageUrl, @PdfUrl, @CodeUrl, @ListedAt, @Upvotes, '{test}')
            """, rows);
    }

    static DateTimeOffset At(DateOnly day, int hour) => new(day.ToDateTime(new TimeOnly(hour, 30)), TimeSpan.Zero);

    static IEnumerable<DemoPaper> DemoPapers()
    {
        using var stream = typeof(Program).Assembly.GetManifestResourceStream("Digest.Papers.Demo.demo-papers.json")!;
        using var document = JsonDocument.Parse(stream);
        foreach (var paper in document.RootElement.GetProperty("papers").EnumerateArray())
        {
            yield return new DemoPaper(paper.GetProperty("id").GetString()!, paper.GetProperty("title").GetString()!,
                paper.GetProperty("abstract").GetString()!, paper.TryGetProperty("upvotes", out var upvotes) ? upvotes.GetInt32() : 0);
        }
    }

    sealed record DemoPaper(string Id, string Title, string Abstract, int Upvotes);

    sealed record Row(string Id, string Title, string Abstract, string[] Authors, string[] Categories, string[] Keywords,
        string? PageUrl, string? PdfUrl, string? CodeUrl, DateTimeOffset ListedAt, int Upvotes);
}
