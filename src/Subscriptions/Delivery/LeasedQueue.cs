using System.Diagnostics;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Digest.Subscriptions.Delivery;

/// <summary>
/// The one claim / lease / fence / record protocol behind digest issues and transactional mail
/// (design.md, "One leased queue"). A claim owns its rows (claimed_by) until it records them or its
/// lease lapses; a renewal keeps a long batch owned; each send first asks whether the claim still
/// owns the row and its subscriber may still get it; outcomes are written only where the claim
/// still owns the row (an answer serves for <see cref="LastMomentCheck.Freshness"/>); on stop no new send starts, sends under way get <see cref="LeasedQueueOptions.DrainTime"/>
/// to finish, every known outcome is recorded and what never started is released at once.
/// Each queue keeps its own table-specific SQL (claim, check, record); the protocol's own
/// statements (renew, release) are the same for both tables.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "It is the design's 'leased queue' (tables of mail), not a Queue<T> collection.")]
public abstract class LeasedQueue<TMail>(NpgsqlDataSource dataSource, TimeProvider clock, ILogger logger)
    where TMail : IQueuedMail
{
    /// <summary>The queue's table, for the protocol's own statements: a constant of the subclass, never input.</summary>
    protected abstract string Table { get; }

    protected abstract LeasedQueueOptions Settings { get; }

    /// <summary>
    /// The claim of up to @BatchSize rows due by @Now for @Claim: pushes their due_at to @LeaseEnd,
    /// sets claimed_by, counts the attempt, and returns the rows as <typeparamref name="TMail"/>.
    /// Run by <see cref="DeliverBatchAsync"/> after <see cref="ClaimPlan"/>, in its transaction.
    /// </summary>
    protected abstract string ClaimSql { get; }

    /// <summary>
    /// For each of <paramref name="ids"/>: whether the claim still holds it (<see cref="Held"/>, selected
    /// as Held) and whether its subscriber may still get it. Only held rows are this claim's to send.
    /// </summary>
    protected abstract Task<IEnumerable<(long Id, bool? Held, bool MaySend)>> MaySendAsync(
        NpgsqlConnection connection, Guid claim, long[] ids, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// The fence over the row aliased <paramref name="row"/> (parameters @Claim and @Now): this claim
    /// still holds it with a lease that has not run out (another instance may take a lapsed one at
    /// any moment). The last-moment check selects it as a column, never as a condition: as a
    /// condition the planner may answer it from the due index's range of leased rows (every lease
    /// of the run and its dead entries: most of PostgreSQL's time in a 100k run), where the ids'
    /// primary-key lookups are all it needs.
    /// </summary>
    protected static string Held(string row) =>
        $"{row}.claimed_by = @Claim AND {row}.state = '{QueueState.Queued.Name()}' AND {row}.due_at > @Now";

    /// <summary>
    /// Set in the claim's transaction: the claim takes the oldest due rows through the due index, in
    /// its order, and stops at the batch. Without it the planner may, from statistics taken before a
    /// plan queued its issues (a table analysed while nearly empty: a new instance's first big run,
    /// or the benchmark's), expect a few dozen due rows and choose a bitmap scan and a sort of every
    /// due row instead, so that each claim of 200 reads all of a run's queued issues — until
    /// autoanalyze, which comes only once a tenth of the table has changed.
    /// </summary>
    public const string ClaimPlan = "SET LOCAL enable_bitmapscan = off";

    /// <summary>False while the queue cannot send at all (nothing is claimed then).</summary>
    protected virtual bool CanSend => true;

    /// <summary>Reads what the batch needs before sending (contents, links), after the claim: the same rows, completed.</summary>
    protected virtual Task<IReadOnlyList<TMail>> PrepareAsync(IReadOnlyList<TMail> batch, CancellationToken cancellationToken) => Task.FromResult(batch);

    /// <summary>Sends one row. Delivery problems are outcomes; cancellation before the final dot may throw.</summary>
    protected abstract Task<Attempt> SendAsync(TMail mail, CancellationToken cancellationToken);

    /// <summary>Writes the decisions where <paramref name="claim"/> still holds the rows, in one statement; returns how many rows it wrote and how many addresses that suppressed.</summary>
    protected abstract Task<(int Recorded, int Suppressed)> RecordAsync(
        NpgsqlConnection connection, Guid claim, IReadOnlyList<(TMail Mail, Decision Decision)> rows, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Claims up to one batch of due rows, sends them and records each outcome.</summary>
    /// <param name="stopping">Signalled when the worker should stop: no new send starts after it.</param>
    /// <param name="dueBy">Only rows due by then (a run that takes what was due when it started, not the retries it schedules itself); default now.</param>
    /// <returns>What the batch came to; <see cref="DeliveryReport.Claimed"/> 0 means nothing was due (or the stop came first).</returns>
    public async Task<DeliveryReport> DeliverBatchAsync(DateTimeOffset? dueBy = null, CancellationToken stopping = default)
    {
        if (stopping.IsCancellationRequested || !CanSend)
            return DeliveryReport.Nothing;
        var settings = Settings;
        var claim = Guid.NewGuid();
        IReadOnlyList<TMail> batch;
        // Not cancelled by the stop: a claim cut off after its commit would leave rows leased that
        // nobody knows of until the lease runs out. It is one short statement.
        await using (var connection = await dataSource.OpenConnectionAsync(CancellationToken.None))
        {
            var now = clock.GetUtcNow();
            var due = dueBy is { } by && by < now ? by : now;
            await using var transaction = await connection.BeginTransactionAsync(CancellationToken.None);
            await connection.ExecuteAsync(new CommandDefinition(ClaimPlan, transaction: transaction, cancellationToken: CancellationToken.None));
            var claimed = await connection.QueryAsync<TMail>(new CommandDefinition(ClaimSql, new
            {
                Now = due,
                LeaseEnd = now + settings.Lease,
                Claim = claim,
                settings.BatchSize,
            }, transaction, cancellationToken: CancellationToken.None));
            await transaction.CommitAsync(CancellationToken.None);
            // RETURNING gives no order: send in the queue's (oldest first).
            batch = claimed.OrderBy(m => m.Id).ToList();
        }
        if (batch.Count == 0)
            return DeliveryReport.Nothing;

        var attempts = new Attempt[batch.Count];
        Array.Fill(attempts, Attempt.NotStarted);
        using var renewing = new CancellationTokenSource();
        var renewal = RenewAsync(claim, batch.Select(m => m.Id).ToArray(), settings, renewing.Token);
        try
        {
            batch = await PrepareAsync(batch, CancellationToken.None);
            // Sends under way when the stop comes get DrainTime to finish, then are cancelled.
            using var drain = new CancellationTokenSource();
            await using var onStop = stopping.Register(() => drain.CancelAfter(settings.DrainTime));
            var check = new LastMomentCheck(batch.Select(m => m.Id).ToArray(), ids => AskAsync(claim, ids));
            await Parallel.ForEachAsync(Enumerable.Range(0, batch.Count),
                new ParallelOptions { MaxDegreeOfParallelism = settings.SendConcurrency },
                async (index, _) => attempts[index] = await AttemptAsync(batch[index], check, stopping, drain.Token));
        }
        finally
        {
            await renewing.CancelAsync();
            await renewal;
        }
        return await RecordWithRetriesAsync(claim, batch, attempts, settings);
    }

    async Task<Attempt> AttemptAsync(TMail mail, LastMomentCheck check, CancellationToken stopping, CancellationToken drain)
    {
        if (stopping.IsCancellationRequested)
            return Attempt.NotStarted;
        bool? may;
        try
        {
            may = await check.MaySendAsync(mail.Id);
        }
        catch (Exception e)
        {
            // Without an answer nothing is sent; the row is released, or comes due when its lease lapses.
            logger.LogWarning("Could not check {Table} row {Id} before sending it; not sending it now: {Error}", Table, mail.Id, e.Message);
            return Attempt.NotStarted;
        }
        if (may is null || stopping.IsCancellationRequested)
            return Attempt.NotStarted;
        if (may == false)
            return Attempt.Cancelled("the subscriber's status no longer allows this mail");
        try
        {
            return await SendAsync(mail, drain);
        }
        catch (OperationCanceledException) when (drain.IsCancellationRequested)
        {
            // The Mailer throws only before the final dot (after it, the outcome is Unknown): nothing went.
            return Attempt.NotStarted;
        }
        catch (Exception e)
        {
            // A transport reports delivery problems as outcomes; an exception is a bug or a broken
            // setup. Deferring keeps the mail (with backoff) instead of losing it.
            logger.LogError(e, "Sending {Table} row {Id} threw", Table, mail.Id);
            return Attempt.Threw(e);
        }
    }

    async Task<IReadOnlyDictionary<long, bool>> AskAsync(Guid claim, long[] ids)
    {
        await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
        var held = new Dictionary<long, bool>(ids.Length);
        foreach (var (id, isHeld, maySend) in await MaySendAsync(connection, claim, ids, clock.GetUtcNow(), CancellationToken.None))
        {
            if (isHeld == true)
                held[id] = maySend;
        }
        return held;
    }

    /// <summary>Keeps the batch's rows owned while it sends: every third of the lease, the lease starts again.</summary>
    async Task RenewAsync(Guid claim, long[] ids, LeasedQueueOptions settings, CancellationToken cancellationToken)
    {
        // By id, then by claim: the claim has no index of its own (each would cost every claim
        // and every outcome an index entry more).
        var sql = $"UPDATE {Table} SET due_at = @LeaseEnd WHERE id = ANY (@Ids) AND claimed_by = @Claim AND state = 'queued'";
        while (true)
        {
            try
            {
                await Task.Delay(settings.Lease / 3, clock, cancellationToken);
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                await connection.ExecuteAsync(new CommandDefinition(sql, new { Ids = ids, Claim = claim, LeaseEnd = clock.GetUtcNow() + settings.Lease }, cancellationToken: cancellationToken));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Each send checks the lease before it starts: a lapsed one sends nothing more.
                logger.LogWarning("Could not renew the lease of a {Table} batch: {Error}", Table, e.Message);
            }
        }
    }

    /// <summary>
    /// Records the batch: decided rows through the queue's own statement, rows never started
    /// released (due now, the attempt not counted). Retried for <see cref="LeasedQueueOptions.RecordRetryFor"/>
    /// while the database cannot be reached, because an unrecorded sent mail would be sent again.
    /// </summary>
    async Task<DeliveryReport> RecordWithRetriesAsync(Guid claim, IReadOnlyList<TMail> batch, Attempt[] attempts, LeasedQueueOptions settings)
    {
        var started = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await RecordAsync(claim, batch, attempts, settings);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && started.Elapsed < settings.RecordRetryFor)
            {
                var wait = TimeSpan.FromMilliseconds(Math.Min(5_000, 250 * Math.Pow(2, attempt - 1)));
                logger.LogWarning("Recording the outcomes of {Count} {Table} rows failed (attempt {Attempt}); retrying in {Wait}: {Error}",
                    batch.Count, Table, attempt, wait, e.Message);
                await Task.Delay(wait, CancellationToken.None);
            }
            catch (Exception e)
            {
                // Loud, with every id: these rows stay leased and come due again when the lease lapses,
                // so the ones already sent will be sent a second time.
                logger.LogCritical(e, "Could not record the outcomes of {Table} rows {Ids} after {Elapsed}: the sent ones among them will be sent again after the lease",
                    Table, string.Join(",", batch.Select(m => m.Id)), started.Elapsed);
                throw;
            }
        }
    }

    async Task<DeliveryReport> RecordAsync(Guid claim, IReadOnlyList<TMail> batch, Attempt[] attempts, LeasedQueueOptions settings)
    {
        var now = clock.GetUtcNow();
        var decided = new List<(TMail Mail, Decision Decision)>(batch.Count);
        var released = new List<long>();
        for (var i = 0; i < batch.Count; i++)
        {
            if (attempts[i].Kind == AttemptKind.NotStarted)
                released.Add(batch[i].Id);
            else
                decided.Add((batch[i], Decision.Of(batch[i], attempts[i], now, settings)));
        }
        await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
        // One transaction, so a retry after a failed commit starts from a clean slate (Npgsql runs
        // the subclass's statements inside it).
        await using var transaction = await connection.BeginTransactionAsync(CancellationToken.None);
        var (recorded, suppressed) = decided.Count > 0
            ? await RecordAsync(connection, claim, decided, now, CancellationToken.None)
            : (0, 0);
        if (released.Count > 0)
        {
            // Due now, for any instance; this claim's attempt did not happen, so it does not count.
            var sql = $"""
                UPDATE {Table} SET due_at = @Now, claimed_by = NULL, attempts = greatest(attempts - 1, 0)
                WHERE id = ANY (@Ids) AND claimed_by = @Claim AND state = 'queued'
                """;
            await connection.ExecuteAsync(new CommandDefinition(sql, new { Ids = released.ToArray(), Claim = claim, Now = now }, transaction, cancellationToken: CancellationToken.None));
        }
        await transaction.CommitAsync(CancellationToken.None);
        if (recorded < decided.Count)
            logger.LogWarning("{Count} {Table} rows were taken over by another claim before their outcomes were recorded", decided.Count - recorded, Table);

        var decisions = decided.Select(d => d.Decision).ToList();
        foreach (var d in decisions.Where(d => d.State is QueueState.Failed or QueueState.Unknown or QueueState.Expired))
            logger.LogWarning("{Table} row {Id}: {State} ({Fault}): {Detail}", Table, d.Id, d.State, d.Fault, d.Detail);
        if (decisions.FirstOrDefault(d => d.Held) is { } held)
            logger.LogError("{Count} {Table} rows held: a relay refuses the sender or its setup (nobody is suppressed for it): {Detail}",
                decisions.Count(d => d.Held), Table, held.Detail);
        return new DeliveryReport(
            batch.Count,
            Sent: decisions.Count(d => d.State == QueueState.Sent),
            Deferred: decisions.Count(d => d is { State: QueueState.Queued, Held: false } && d.LastOutcome == nameof(Mailer.DeliveryOutcome.Deferred)),
            Failed: decisions.Count(d => d.State is QueueState.Failed or QueueState.Expired),
            Unknown: decisions.Count(d => d.LastOutcome == nameof(Mailer.DeliveryOutcome.Unknown)),
            Cancelled: decisions.Count(d => d.State == QueueState.Cancelled),
            Suppressed: suppressed,
            Held: decisions.Count(d => d.Held),
            Released: released.Count);
    }
}
