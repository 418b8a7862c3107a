using System.CommandLine;
using Digest.Admin;
using Digest.Bounces;
using Digest.Database;
using Digest.Database.Embedded;
using Digest.Digests;
using Digest.Papers;
using Microsoft.Extensions.Options;

namespace Digest.Cli;

/// <summary>
/// The executable's verbs. With no verb it serves the web app and the schedules; every verb builds
/// the same host (same configuration, same database) and runs once.
/// </summary>
public static class DigestCommandLine
{
    public static async Task<int> InvokeAsync(string[] args)
    {
        var root = new RootCommand("Digest — trending papers in your inbox. With no verb, runs the service.")
        {
            // Unknown options go to the ASP.NET Core host as settings (--urls, --environment, …).
            TreatUnmatchedTokensAsErrors = false,
        };
        var verbs = Verbs().ToList();
        foreach (var verb in verbs)
            root.Subcommands.Add(verb);
        root.SetAction(async (parse, ct) =>
        {
            var hostArgs = parse.UnmatchedTokens.ToArray();
            if (hostArgs.Length > 0 && !hostArgs[0].StartsWith("--", StringComparison.Ordinal))
            {
                // A mistyped verb must not quietly start the service.
                await Console.Error.WriteLineAsync(
                    $"digest: unknown verb '{hostArgs[0]}'. Verbs: {string.Join(", ", verbs.Select(v => v.Name))}. See digest --help.");
                return 2;
            }
            return await ServeVerb.RunAsync(hostArgs);
        });

        // The host's own lifetime handles Ctrl-C/SIGTERM (it must stop PostgreSQL cleanly), so the
        // parser must not install a handler that exits the process on a timer.
        // Startup errors we can explain are printed as one line below, not as a stack trace.
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false };
        try
        {
            var parse = root.Parse(args);
            var mistakes = parse.Errors.Select(e => e.Message).ToList();
            // Only the service passes unknown options on to the host; a verb would silently ignore them.
            if (parse.CommandResult.Command != root && parse.UnmatchedTokens.Count > 0)
                mistakes.Add($"Unrecognized argument{(parse.UnmatchedTokens.Count > 1 ? "s" : "")}: {string.Join(" ", parse.UnmatchedTokens.Select(t => $"'{t}'"))}.");
            if (mistakes.Count > 0)
                return await ReportMistakesAsync(parse, root, mistakes);
            return await parse.InvokeAsync(invocation);
        }
        catch (Exception e) when (e is EmbeddedPostgresException or MigrationChangedException or OptionsValidationException)
        {
            await Console.Error.WriteLineAsync($"digest: {e.Message}");
            return 1;
        }
    }

    /// <summary>A wrong argument gets one line saying what is wrong, not the whole help text.</summary>
    static async Task<int> ReportMistakesAsync(ParseResult parse, RootCommand root, IEnumerable<string> mistakes)
    {
        var path = new List<string>();
        for (var result = parse.CommandResult; result is not null && result.Command != root; result = result.Parent as System.CommandLine.Parsing.CommandResult)
            path.Insert(0, result.Command.Name);
        var command = string.Join(' ', path.Prepend("digest"));
        foreach (var mistake in mistakes)
            await Console.Error.WriteLineAsync($"{command}: {string.Join(' ', mistake.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))}");
        await Console.Error.WriteLineAsync($"See {command} --help.");
        return 2;
    }

    static IEnumerable<Command> Verbs() =>
    [
        MigrateVerb.Create(),
        IngestVerb.Create(),
        PlanVerb.Create(),
        SendVerb.Create(),
        PreviewVerb.Create(),
        StatsVerb.Create(),
        SubscribersVerb.Create(),
        SuppressionVerb.Create(),
        HashPasswordVerb.Create(),
        BouncesVerb.Create(),
    ];
}
