using Dapper;
using Digest.Mailer;
using Digest.Subscriptions.Emails;
using Digest.Subscriptions.Filters;
using Digest.Subscriptions.Links;
using Digest.Subscriptions.Outbox;
using Digest.Subscriptions.Settings;
using Digest.Subscriptions.Site;
using Digest.Subscriptions.Subscribe;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Npgsql;

namespace Digest.Subscriptions.Import;

/// <summary>How the operator vouches for the addresses of an import.</summary>
/// <param name="Confirmed">The operator attests prior consent: the rows are active at once, no mail.</param>
/// <param name="DefaultTopics">Topics for rows that have none (a listmonk export has none), separated by <c>;</c>.</param>
public sealed record ImportRequest(bool Confirmed, string? DefaultTopics = null);

/// <param name="Added">New addresses.</param>
/// <param name="Updated">Known addresses whose topics and schedule the row replaced.</param>
/// <param name="ConfirmationsQueued">Confirmation mails queued (paced) for the rows not vouched for.</param>
/// <param name="Problems">One <c>line N: what is wrong</c> per row that was not written.</param>
public sealed record ImportReport(int Added, int Updated, int ConfirmationsQueued, IReadOnlyList<string> Problems);

/// <summary>
/// <c>digest subscribers import</c>: every row is judged by the subscribe form's own rules
/// (<see cref="SubscriptionForm"/>, <see cref="TopicCheck"/>), and written in a transaction with its
/// chunk only when nothing is wrong with it. Without <see cref="ImportRequest.Confirmed"/> a row is
/// pending and its address gets a confirmation mail through the outbox, spaced by
/// Subscriptions:ImportConfirmationsPerMinute: an imported list's first mail is where complaints
/// come from, and pacing lets them show before the rest goes. An import never subscribes again an
/// address that unsubscribed or is suppressed.
/// </summary>
public sealed class SubscriberImport(
    NpgsqlDataSource dataSource,
    TransactionalOutbox outbox,
    TransactionalMail mail,
    ReturnPaths returnPaths,
    PublicSite site,
    TimeProvider clock,
    IOptionsMonitor<SubscriptionsOptions> options,
    ILogger<SubscriberImport> logger)
{
    const int ChunkSize = 500;

    public async Task<ImportReport> RunAsync(TextReader file, ImportRequest request, CancellationToken cancellationToken = default)
    {
        var problems = new List<string>();
        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var totals = new Totals();
        var chunk = new List<ValidRow>(ChunkSize);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await foreach (var (row, problem) in ImportFile.ReadAsync(file).WithCancellation(cancellationToken))
        {
            if (problem is not null)
            {
                problems.Add(problem);
                continue;
            }
            var (valid, rowProblem) = await ValidateAsync(connection, row!, request, cancellationToken);
            if (valid is not null && seen.TryGetValue(valid.Email.Address, out var earlier))
                rowProblem = $"line {row!.Line}: {valid.Email.Address} is already on line {earlier}.";
            if (rowProblem is not null)
            {
                problems.Add(rowProblem);
                continue;
            }
            seen[valid!.Email.Address] = row!.Line;
            chunk.Add(valid);
            if (chunk.Count == ChunkSize)
                await WriteAsync(connection, chunk, request, totals, problems, cancellationToken);
        }
        await WriteAsync(connection, chunk, request, totals, problems, cancellationToken);
        if (totals.Confirmations > 0)
            outbox.Wake();
        logger.LogInformation("Import: {Added} added, {Updated} updated, {Confirmations} confirmation(s) queued, {Problems} row(s) not imported",
            totals.Added, totals.Updated, totals.Confirmations, problems.Count);
        // Problems found while writing (an address that unsubscribed) come after the chunk's reading ones.
        return new ImportReport(totals.Added, totals.Updated, totals.Confirmations,
            problems.OrderBy(LineOf).ToList());
    }

    /// <summary>The row as the form would read it, its topics' words checked by PostgreSQL as the form's are.</summary>
    static async Task<(ValidRow?, string?)> ValidateAsync(NpgsqlConnection connection, ImportRow row, ImportRequest request, CancellationToken cancellationToken)
    {
        // An empty cell means what the form shows before anyone changes it.
        static string Or(string value, string blank) => string.IsNullOrWhiteSpace(value) ? blank : value.Trim();
        var topics = Or(row.Topics, request.DefaultTopics ?? "");
        var form = new FormCollection(new Dictionary<string, StringValues>
        {
            [SubscriptionForm.EmailField] = row.Email.Trim(),
            [SubscriptionForm.TopicsField] = topics.Replace(ImportColumns.TopicSeparator, '\n'),
            [SubscriptionForm.FrequencyField] = Or(row.Frequency, SubscriptionFormValues.Blank.Frequency).ToLowerInvariant(),
            [SubscriptionForm.WeekdayField] = ImportFile.WeekdayNumber(row.Weekday),
            [SubscriptionForm.HourField] = Or(row.Hour, SubscriptionFormValues.Blank.Hour),
            [SubscriptionForm.ZoneField] = row.Zone.Trim(),
        });
        var parsed = SubscriptionForm.Read(form, withEmail: true);
        if (parsed.Topics.Count > 0)
            parsed.Errors.Add(SubscriptionForm.TopicsField, await TopicCheck.FindProblemsAsync(connection, parsed.Topics, cancellationToken));
        var status = row.Status.Trim().ToLowerInvariant();
        if (status is not ("" or SubscriberStatus.Active or SubscriberStatus.Paused or SubscriberStatus.Pending))
            parsed.Errors.Add(ImportColumns.Status, $"'{row.Status}' is not one an import can give; write active, paused or pending.");
        if (parsed.Errors.Any)
        {
            var what = parsed.Errors.ByField.SelectMany(f => f.Value.Select(m => $"{f.Key}: {m}"));
            return (null, $"line {row.Line}: {string.Join(" ", what)}");
        }
        return (new ValidRow(row.Line, parsed.Email!, parsed.Settings!, status == "" ? SubscriberStatus.Active : status), null);
    }

    async Task WriteAsync(
        NpgsqlConnection connection, List<ValidRow> rows, ImportRequest request, Totals totals, List<string> problems, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
            return;
        var rules = options.CurrentValue;
        var now = clock.GetUtcNow();
        var spacing = TimeSpan.FromMinutes(1) / rules.ImportConfirmationsPerMinute;
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var chunk = new Totals();
        foreach (var row in rows)
        {
            var subscriber = await SignUp.InsertOrLockAsync(connection, transaction, row.Email, row.Settings, now, cancellationToken);
            switch (subscriber.Status)
            {
                case SubscriberStatus.Unsubscribed:
                    problems.Add($"line {row.Line}: {subscriber.Email} has unsubscribed; an import does not subscribe them again (they can, on the site).");
                    continue;
                case SubscriberStatus.Suppressed:
                    problems.Add($"line {row.Line}: {subscriber.Email} is suppressed (their mailbox refused our mail); lift it first: digest suppression lift {subscriber.Email}");
                    continue;
            }
            await SignUp.UpdateSettingsAsync(connection, transaction, subscriber.Id, row.Settings, now, cancellationToken);
            await SubscriberTopics.ReplaceAsync(connection, transaction, subscriber.Id, row.Settings.Topics, now, cancellationToken);
            if (subscriber.Added) chunk.Added++; else chunk.Updated++;

            // A pending row stays pending (it never confirmed); active and paused ones are vouched
            // for only by --confirmed, and a known active or paused subscriber keeps their status.
            var target = subscriber.Status is SubscriberStatus.Active or SubscriberStatus.Paused ? subscriber.Status
                : request.Confirmed && row.Status != SubscriberStatus.Pending ? row.Status
                : SubscriberStatus.Pending;
            if (target != SubscriberStatus.Pending)
            {
                if (target != subscriber.Status)
                    await ActivateAsync(connection, transaction, subscriber.Id, target, now, cancellationToken);
                continue;
            }
            var dueAt = now + spacing * (totals.Confirmations + chunk.Confirmations);
            var token = await SignUp.CreateConfirmationAsync(connection, transaction, subscriber.Id, dueAt, rules.ConfirmationLifetime, cancellationToken);
            var message = mail.Confirmation(MailboxAddress.Parse(subscriber.Email), await returnPaths.ForTransactionalAsync(subscriber.Id, cancellationToken), site.Url("confirm/" + token.Text), row.Settings, rules.ConfirmationLifetime);
            await outbox.EnqueueAsync(connection, transaction, new OutboxMail(TransactionalMail.ConfirmationKind, subscriber.Id,
                [SubscriberStatus.Pending], message, dueAt), cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE subscribers SET form_mailed_at = @dueAt WHERE id = @Id", new { dueAt, subscriber.Id }, transaction, cancellationToken: cancellationToken));
            chunk.Confirmations++;
        }
        await transaction.CommitAsync(cancellationToken);
        totals.Add(chunk);
        rows.Clear();
    }

    static Task<int> ActivateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long id, string status, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // The operator attests consent given before: that is the confirmation.
        const string Sql = """
            UPDATE subscribers
            SET status = @status, confirmed_at = @now, paused_at = CASE WHEN @status = 'paused' THEN @now END, updated_at = @now
            WHERE id = @id
            """;
        return connection.ExecuteAsync(new CommandDefinition(Sql, new { id, status, now }, transaction, cancellationToken: cancellationToken));
    }

    static int LineOf(string problem) =>
        int.TryParse(problem.AsSpan(5, problem.IndexOf(':', StringComparison.Ordinal) - 5), out var line) ? line : 0;

    sealed record ValidRow(int Line, MailboxAddress Email, SubscriptionSettings Settings, string Status);

    sealed class Totals
    {
        public int Added;
        public int Updated;
        public int Confirmations;

        public void Add(Totals chunk)
        {
            Added += chunk.Added;
            Updated += chunk.Updated;
            Confirmations += chunk.Confirmations;
        }
    }
}
