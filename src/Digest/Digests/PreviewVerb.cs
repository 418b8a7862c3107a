using System.CommandLine;
using Digest.Cli;

namespace Digest.Digests;

/// <summary>
/// <c>digest preview EMAIL [--out FILE]</c>: what that subscriber's next digest would hold if it
/// were planned now, rendered to an HTML file (and the text part beside it), whose path it prints.
/// Nothing is planned or sent.
/// </summary>
internal static class PreviewVerb
{
    public static Command Create()
    {
        var email = new Argument<string>("email") { Description = "The subscriber's address." };
        var output = new Option<FileInfo?>("--out", "-o") { Description = "Where to write the HTML (the text part goes beside it, .txt). Default: a file in the temporary folder." };
        var command = new Command("preview", "Render a subscriber's next digest to a file (nothing is planned or sent) and print its path.") { email, output };
        command.SetAction((parse, _) => VerbHost.RunAsync(async (services, ct) =>
        {
            var address = parse.GetValue(email)!;
            var content = await services.GetRequiredService<DigestPlanner>().PreviewAsync(address, ct);
            if (content is null)
            {
                await Console.Error.WriteLineAsync($"digest preview: no subscriber has the address '{address}'.");
                return 1;
            }
            if (content.Papers.Count == 0)
            {
                Console.WriteLine($"Nothing new matches the topics of {address} since their last issue: no mail would be sent.");
                return 0;
            }
            var rendered = services.GetRequiredService<DigestRenderer>().Render(content);
            var html = parse.GetValue(output)?.FullName ?? Path.Combine(Path.GetTempPath(), $"digest-preview-{Guid.NewGuid():N}.html");
            var text = Path.ChangeExtension(html, ".txt");
            await File.WriteAllBytesAsync(html, rendered.HtmlUtf8, ct);
            await File.WriteAllBytesAsync(text, rendered.TextUtf8, ct);
            Console.WriteLine($"Subject: {rendered.Subject}");
            Console.WriteLine($"{content.Papers.Count} paper(s); HTML: {html}");
            Console.WriteLine($"Text: {text}");
            return 0;
        }));
        return command;
    }
}
