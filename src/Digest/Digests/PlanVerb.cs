using System.CommandLine;
using Digest.Cli;

namespace Digest.Digests;

/// <summary><c>digest plan</c>: plans the issues that are due now, as the scheduled job does, and says what it planned.</summary>
internal static class PlanVerb
{
    public static Command Create()
    {
        var command = new Command("plan", "Plan the digest issues whose delivery time has come (the scheduled job, run now) and print what was planned.");
        command.SetAction((_, _) => VerbHost.RunAsync(async (services, ct) =>
        {
            var report = await services.GetRequiredService<DigestPlanner>().PlanAsync(cancellationToken: ct);
            Console.WriteLine(Describe(report));
            return 0;
        }));
        return command;
    }

    public static string Describe(PlanReport report) =>
        $"Planned {report.Queued:N0} issue(s) to send and {report.Empty:N0} with nothing new, for {report.Due:N0} due subscriber(s) " +
        $"({report.Topics:N0} topics, {report.TopicHits:N0} topic-paper matches) in {report.Elapsed.TotalSeconds:0.00} s.";
}
