using System.Diagnostics;
using System.Diagnostics.Metrics;
using Digest.Digests;
using Digest.Papers;
using Digest.Subscriptions.Delivery;

namespace Digest.Metrics;

/// <summary>
/// Every instrument of our own, in one place, under the meter <see cref="MeterName"/>: named
/// <c>digest.*</c>, they appear at /metrics as <c>digest_*</c>. Counters count what this instance
/// did; the gauges read the database (through <see cref="QueueSnapshot"/>), so they show the whole
/// cluster's state whichever instance is scraped.
/// </summary>
public sealed class DigestMetrics
{
    public const string MeterName = "Digest";

    // The SDK's default buckets are for milliseconds; these span a quick batch to a long plan.
    static readonly InstrumentAdvice<double> Seconds = new() { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600] };

    readonly Counter<long> _planned;
    readonly Histogram<double> _planDuration;
    readonly Counter<long> _delivered;
    readonly Histogram<double> _batchDuration;
    readonly Counter<long> _suppressions;
    readonly Counter<long> _ingestFetched;
    readonly Counter<long> _ingestNew;
    readonly Counter<long> _ingestErrors;

    public DigestMetrics(IMeterFactory meters, QueueSnapshot queue)
    {
        var meter = meters.Create(MeterName);
        _planned = meter.CreateCounter<long>("digest.digests.planned", "{issue}",
            "Digest issues planned by this instance; kind=mail has papers to send, kind=empty had nothing new (no mail).");
        _planDuration = meter.CreateHistogram<double>("digest.plan.duration", "s", "How long one plan run took.", advice: Seconds);
        _delivered = meter.CreateCounter<long>("digest.digests.delivered", "{issue}",
            "Delivery outcomes recorded by this instance: outcome=sent|deferred|failed|unknown|cancelled|held (a relay refuses the sender)|released (claimed, not started: stopping).");
        _batchDuration = meter.CreateHistogram<double>("digest.delivery.batch.duration", "s",
            "How long one delivery batch took, claim to last outcome recorded (send latency, per batch).", advice: Seconds);
        _suppressions = meter.CreateCounter<long>("digest.suppressions", "{address}", "Addresses suppressed after repeated hard bounces.");
        _ingestFetched = meter.CreateCounter<long>("digest.ingest.fetched", "{paper}", "Feed items read, per source.");
        _ingestNew = meter.CreateCounter<long>("digest.ingest.new", "{paper}", "Papers seen for the first time, per source.");
        _ingestErrors = meter.CreateCounter<long>("digest.ingest.errors", "{error}", "Documents a source could not read, per source.");

        meter.CreateObservableGauge("digest.queue.depth", () => (long)queue.Current().DueIssues, "{issue}",
            "Digest issues due now and not yet sent (the whole cluster's).");
        meter.CreateObservableGauge("digest.queue.oldest_due_age", () => queue.Current().OldestDueAge.TotalSeconds, "s",
            "How long the oldest due issue has waited; 0 when none waits.");
        meter.CreateObservableGauge("digest.outbox.depth", () => (long)queue.Current().OutboxQueued, "{mail}",
            "Transactional mails (confirmations and the like) waiting to be sent.");
        meter.CreateObservableGauge("digest.subscribers", () => queue.Current().Subscribers
            .Select(s => new Measurement<long>(s.Count, new KeyValuePair<string, object?>("status", s.Status))), "{subscriber}",
            "Subscribers by status (suppressed: addresses no mail goes to).");
        meter.CreateObservableGauge("digest.ingest.last_success", () => queue.Current().LastWalks
            .Select(w => new Measurement<double>(w.UnixSeconds, new KeyValuePair<string, object?>("source", w.Source))), "s",
            "When each feed was last read completely (Unix time).");
    }

    /// <summary>Records one plan run.</summary>
    public void Planned(PlanReport report)
    {
        _planned.Add(report.Queued, new KeyValuePair<string, object?>("kind", "mail"));
        _planned.Add(report.Empty, new KeyValuePair<string, object?>("kind", "empty"));
        _planDuration.Record(report.Elapsed.TotalSeconds);
    }

    /// <summary>Records what one delivery batch came to.</summary>
    public void Delivered(DeliveryReport report, TimeSpan? elapsed = null)
    {
        if (report.Claimed == 0)
            return;
        Add(_delivered, report.Sent, "outcome", "sent");
        Add(_delivered, report.Deferred, "outcome", "deferred");
        Add(_delivered, report.Failed, "outcome", "failed");
        Add(_delivered, report.Unknown, "outcome", "unknown");
        Add(_delivered, report.Cancelled, "outcome", "cancelled");
        Add(_delivered, report.Held, "outcome", "held");
        Add(_delivered, report.Released, "outcome", "released");
        if (report.Suppressed > 0)
            _suppressions.Add(report.Suppressed);
        if (elapsed is { } time)
            _batchDuration.Record(time.TotalSeconds);
    }

    /// <summary>Runs one delivery batch, recording its outcomes and how long it took; returns its report.</summary>
    public async Task<DeliveryReport> DeliverAsync(Func<Task<DeliveryReport>> batch)
    {
        var started = Stopwatch.GetTimestamp();
        var report = await batch();
        Delivered(report, Stopwatch.GetElapsedTime(started));
        return report;
    }

    /// <summary>Records one source's part of an ingest run.</summary>
    public void Ingested(SourceReport report)
    {
        Add(_ingestFetched, report.Fetched, "source", report.Source);
        Add(_ingestNew, report.New, "source", report.Source);
        Add(_ingestErrors, report.Errors.Count, "source", report.Source);
    }

    // Zero is added too, so that a series exists (and reads 0) from the first run on.
    static void Add(Counter<long> counter, long value, string tag, string tagValue) =>
        counter.Add(value, new KeyValuePair<string, object?>(tag, tagValue));
}
