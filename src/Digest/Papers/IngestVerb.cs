using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Digest.Cli;
using Spectre.Console;

namespace Digest.Papers;

/// <summary><c>digest ingest [--source …] [--file …] [--from YYYY-MM-DD] [--to YYYY-MM-DD]</c>: one run now, with a summary.</summary>
internal static class IngestVerb
{
    public static Command Create()
    {
        var sources = new Option<string[]>("--source", "-s")
        {
            Description = $"A source to read: {string.Join(", ", IngestRequest.Kinds)} (file = the configured Papers:Files). Repeatable. Default: every enabled source.",
            HelpName = "source",
        };
        sources.AcceptOnlyFromAmong([.. IngestRequest.Kinds]);
        var files = new Option<FileInfo[]>("--file", "-f")
        {
            Description = "A JSON feed to ingest (the digest-papers/1 format or a saved Hugging Face daily-papers answer). Repeatable.",
            HelpName = "path",
        };
        files.AcceptExistingOnly();
        var from = DateOption.Create("--from", "First day to ingest (UTC). With a range, every day in it is walked, seen or not.");
        var to = DateOption.Create("--to", "Last day to ingest (UTC). Default: today.");

        var command = new Command("ingest", "Ingest papers now and print what each source gave (fetched, new, updated, rejected).")
        {
            sources, files, from, to,
        };
        command.Validators.Add(result =>
        {
            // From the tokens: a value that did not parse has its own error already.
            if (DateOption.Read(result.GetResult(from)) is { } first && DateOption.Read(result.GetResult(to)) is { } last && first > last)
                result.AddError($"--from {first:yyyy-MM-dd} is after --to {last:yyyy-MM-dd}.");
        });
        command.SetAction((parse, _) =>
        {
            var request = new IngestRequest(
                parse.GetValue(sources) ?? [],
                (parse.GetValue(files) ?? []).Select(f => f.FullName).ToList(),
                parse.GetValue(from),
                parse.GetValue(to));
            return VerbHost.RunAsync((services, ct) => RunAsync(services.GetRequiredService<PaperIngest>(), request, ct));
        });
        return command;
    }

    static async Task<int> RunAsync(PaperIngest ingest, IngestRequest request, CancellationToken cancellationToken)
    {
        Terminal.PlainWhenRedirected();
        IngestReport report;
        try
        {
            report = await AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new SpinnerColumn(), new TaskDescriptionColumn { Alignment = Justify.Left }, new ElapsedTimeColumn())
                .StartAsync(context => ingest.RunAsync(request, new ProgressDisplay(context), cancellationToken));
        }
        catch (IngestRequestException e)
        {
            await Console.Error.WriteLineAsync($"digest ingest: {e.Message}");
            return 2;
        }
        AnsiConsole.Write(Summary(report));
        // Below the table rather than in it, so that a long error stays one line to copy.
        foreach (var source in report.Sources)
        {
            foreach (var error in source.Errors)
                Console.WriteLine($"{source.Source}: {error}");
        }
        return report.Failed ? 1 : 0;
    }

    static Table Summary(IngestReport report)
    {
        var table = new Table()
            .Title($"Ingest {report.Window.From:yyyy-MM-dd} – {report.Window.To:yyyy-MM-dd} (UTC)")
            .AddColumn("source")
            .AddColumn(new TableColumn("fetched").RightAligned())
            .AddColumn(new TableColumn("new").RightAligned())
            .AddColumn(new TableColumn("updated").RightAligned())
            .AddColumn(new TableColumn("rejected").RightAligned())
            .AddColumn("result");
        foreach (var source in report.Sources)
        {
            var result = source.Failed ? $"[red]failed ({source.Errors.Count})[/]" : "ok";
            table.AddRow(Markup.Escape(source.Source), $"{source.Fetched}", $"{source.New}", $"{source.Updated}", $"{source.Rejected}", result);
        }
        if (report.Sources.Count == 0)
            table.AddRow("(no source enabled)", "0", "0", "0", "0", "see Papers:Offline and Papers:Files");
        return table;
    }

    /// <summary>One line per source, updated as its documents arrive (totals are not known in advance).</summary>
    sealed class ProgressDisplay(ProgressContext context) : IProgress<IngestProgress>
    {
        readonly Dictionary<string, ProgressTask> _tasks = [];

        public void Report(IngestProgress value)
        {
            lock (_tasks)
            {
                if (!_tasks.TryGetValue(value.Source, out var task))
                    _tasks[value.Source] = task = context.AddTask(value.Source).IsIndeterminate();
                task.Description = Markup.Escape($"{value.Source}: {value.Fetched} fetched" + (value.Done ? "" : $" ({value.Document})"));
                if (value.Done)
                {
                    task.IsIndeterminate = false;
                    task.Value = task.MaxValue;
                    task.StopTask();
                }
            }
        }
    }
}
