using Digest.Subscriptions.Delivery;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Digest.Database;
using Digest.Digests;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Digest.Benchmarks;

/// <summary>
/// The whole daily run as the service does it — plan, render, deliver to a local smtp-sink — for
/// synthetic subscribers on the service's own embedded PostgreSQL, with per-stage wall time, msg/s
/// and peak RSS; then Postfix's smtp-source sends as many messages of the same size to the same
/// sink, the reference the msg/s is compared with. Topics come from the seed papers' vocabulary
/// with Zipf-like popularity; time zones are mixed, every subscriber is due.
/// </summary>
internal static partial class DigestBenchmark
{
    static readonly string[] Zones =
    [
        "UTC", "Europe/London", "Europe/Berlin", "Asia/Kolkata", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney",
        "Pacific/Auckland", "Pacific/Tongatapu", "America/Sao_Paulo", "America/New_York", "America/Chicago",
        "America/Los_Angeles", "Pacific/Honolulu",
    ];

    static readonly HashSet<string> StopWords = new(
        "this that with from these those their there which while where when what have been were into than then also more most such only over under both each many much very between through using based show shows paper propose proposed approach method methods results model models however can our we the and for are not but its it's".Split(' '),
        StringComparer.Ordinal);

    public static async Task<int> RunAsync(BenchmarkArguments args)
    {
        var subscribers = args.Int("subscribers", 100_000);
        var paperCount = args.Int("papers", 300);
        var port = args.Int("port", 0);
        var seedFile = args.String("seed", Path.Combine("src", "Digest", "Papers", "Demo", "demo-papers.json"));
        if (port == 0)
            throw new ArgumentException("--port: the smtp-sink to deliver to");

        // Not CreateTempSubdirectory: its 0700 folder is out of reach of the postgres user PostgreSQL runs as under root.
        var dataDir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "digest-bench-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Benchmark" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Digest:DataDir"] = dataDir,
            ["Digest:PublicUrl"] = "https://digest.example.org/",
            ["Papers:Offline"] = "true",
            ["Papers:Demo"] = "Never",
            ["Mailer:Relays:0:Host"] = "127.0.0.1",
            ["Mailer:Relays:0:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Mailer:Relays:0:Connections"] = args.Int("connections", 16).ToString(CultureInfo.InvariantCulture),
            ["Digests:Workers"] = args.Int("workers", 4).ToString(CultureInfo.InvariantCulture),
        });
        // --statements: PostgreSQL's time by statement over the run (pg_stat_statements, which
        // Debian's server package ships), printed after the other figures.
        var statements = args.Flag("statements");
        if (statements)
        {
            builder.Configuration["Digest:PostgresSettings:shared_preload_libraries"] = "pg_stat_statements";
            builder.Configuration["Digest:PostgresSettings:pg_stat_statements.track"] = "all";
        }
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        await builder.StartUnlessConfiguredAsync(joinRunningService: false);
        builder.AddDigest();
        await using var app = builder.Build();
        try
        {
            var services = app.Services;
            var settings = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DigestsOptions>>().Value;
            await services.MigrateDatabaseAsync();
            var dataSource = services.GetRequiredService<NpgsqlDataSource>();

            var clock = Stopwatch.StartNew();
            var vocabulary = Vocabulary.Load(seedFile);
            var (topics, links) = await GenerateAsync(dataSource, vocabulary, subscribers, paperCount);
            var generation = clock.Elapsed;
            // The generating connection's backend holds what the COPY's foreign-key checks queued
            // (~190 MB at 1M); closed now, it is not counted as the run's largest PostgreSQL process.
            dataSource.Clear();
            if (statements)
                await StatementsAsync(dataSource, reset: true);

            var runRss = PeakRss();
            // As the service runs it: the plan commits chunk by chunk and the delivery workers
            // start on the first chunk while the plan goes on.
            clock.Restart();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var (postgresCpu, sinkCpu) = (ProcessCpu("postgres"), ProcessCpu("smtp-sink"));
            var gc = GcCounts.Now();
            var planning = Task.Run(() => services.GetRequiredService<DigestPlanner>().PlanAsync());
            // --sequential: deliver only once the plan is done, to see each stage's own wall time.
            var sequential = args.Flag("sequential");
            if (sequential)
                await planning;
            var delivering = Stopwatch.StartNew();
            var delivery = services.GetRequiredService<DigestDelivery>();
            var reports = await Task.WhenAll(Enumerable.Range(0, settings.Workers).Select(_ => Task.Run(async () =>
            {
                var total = DeliveryReport.Nothing;
                while (true)
                {
                    var planned = planning.IsCompleted;
                    var batch = await delivery.DeliverDueAsync();
                    total += batch;
                    if (batch.Claimed > 0)
                        continue;
                    if (planned)
                        return total;
                    await Task.Delay(20);
                }
            })));
            var plan = await planning;
            var planTime = plan.Elapsed;
            var deliverTime = clock.Elapsed;
            var deliverOnly = delivering.Elapsed;
            var deliverCpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            gc = GcCounts.Now() - gc;
            (postgresCpu, sinkCpu) = (ProcessCpu("postgres") - postgresCpu, ProcessCpu("smtp-sink") - sinkCpu);
            var delivered = reports.Aggregate(DeliveryReport.Nothing, (a, b) => a + b);
            var benchmarkRss = PeakRss();
            // Read before the figures below add statements of their own.
            var byStatement = statements ? await StatementsAsync(dataSource, reset: false) : "";
            var (hits, misses) = services.GetRequiredService<DigestRenderer>().CacheCounts;
            var distinctLists = await DistinctPaperListsAsync(dataSource);
            var (size, renderTime, writeTime, makeTime, makeBytes) = await AverageMessageSizeAsync(services, dataSource);

            var sinkBefore = ProcessCpu("smtp-sink");
            var (sourceTime, sourceCpu) = await SmtpSource.RunAsync("127.0.0.1", port, Math.Max(delivered.Sent, 1), 16, size);
            // The CPU each side spent a mail, beside the wall-clock ratio: a shared host that takes
            // this VM's cores away during one of the two runs moves the wall-clock ratio much more
            // than what each side spent, and the line says which side was slowed.
            var referenceSinkCpu = ProcessCpu("smtp-sink") - sinkBefore;
            var referenceCpu = sourceCpu + referenceSinkCpu;
            var runCpu = deliverCpu + postgresCpu + sinkCpu;
            var mails = Math.Max(delivered.Sent, 1);

            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(inv, $"""

                data: {subscribers:N0} subscribers ({links:N0} topic choices over {topics:N0} distinct topics, Zipf-like), {paperCount} new papers, {Zones.Length} time zones
                generated in {generation.TotalSeconds:F1} s (not part of the run); peak RSS before the run {runRss / 1048576.0:F0} MB
                delivery: {settings.Workers} workers × {settings.SendConcurrency} sends in flight, batches of {settings.BatchSize}, over the relay's connections

                stage                      wall        items                 rate
                plan                    {planTime.TotalSeconds,7:F2} s   {plan.Due,9:N0} due        {plan.Due / planTime.TotalSeconds,9:N0} subscribers/s   ({plan.Queued:N0} issues, {plan.Empty:N0} empty; {plan.Topics:N0} topics, {plan.TopicHits:N0} topic-paper matches; finding {plan.Finding.TotalSeconds:F2} s, matching {plan.Matching.TotalSeconds:F2} s, ranking and writing {(plan.Elapsed - plan.Finding - plan.Matching).TotalSeconds:F2} s)
                plan + render + deliver {deliverTime.TotalSeconds,7:F2} s   {delivered.Sent,9:N0} sent       {delivered.Sent / deliverTime.TotalSeconds,9:N0} msg/s   (deferred {delivered.Deferred}, failed {delivered.Failed}, unknown {delivered.Unknown}; this process's CPU {deliverCpu.TotalMicroseconds / Math.Max(delivered.Sent, 1):N0} µs/msg, of which rendering ~{renderTime.TotalMicroseconds:N0} µs when not cached and MIME writing ~{writeTime.TotalMicroseconds:N0} µs)
                {(sequential ? $"(--sequential: delivery alone took {deliverOnly.TotalSeconds:F2} s = {delivered.Sent / deliverOnly.TotalSeconds:N0} msg/s; the second line is the whole run)" : "(the plan runs alongside delivery, as in the service; the second line is the whole run)")}

                render cache: {hits * 100.0 / Math.Max(hits + misses, 1):F1}% of mails found their shape rendered ({hits:N0} hits, {misses:N0} renderings of the templates; {distinctLists.Lists:N0} distinct paper lists among the issues sent, {distinctLists.PaperSequences:N0} by paper ids alone; capacity {DigestRenderer.CacheCapacity} shapes)
                CPU per mail sent: this process {deliverCpu.TotalMicroseconds / Math.Max(delivered.Sent, 1):N0} µs, PostgreSQL {postgresCpu.TotalMicroseconds / Math.Max(delivered.Sent, 1):N0} µs, smtp-sink {sinkCpu.TotalMicroseconds / Math.Max(delivered.Sent, 1):N0} µs (the machine has {Environment.ProcessorCount} cores: {Environment.ProcessorCount * deliverTime.TotalMicroseconds / Math.Max(delivered.Sent, 1):N0} µs of them a mail over the whole run)
                garbage collection over the run: {gc.Gen0:N0} gen0, {gc.Gen1:N0} gen1, {gc.Gen2:N0} gen2 collections, paused {gc.Paused.TotalSeconds:F2} s; {gc.Allocated / 1024.0 / Math.Max(delivered.Sent, 1):N0} KB allocated a mail sent
                one mail as delivery makes it (its shape rendered already; values, headers, MIME), one thread, 100 rounds of 200: {makeTime.TotalMicroseconds:N1} µs of CPU, {makeBytes / 1024.0:N1} KB allocated
                average message {size:N0} bytes; peak RSS of the benchmark process {benchmarkRss / 1048576.0:F0} MB; largest PostgreSQL process {PostgresPeakRss() / 1048576.0:F0} MB
                Postfix smtp-source, same count and size, 16 sessions: {sourceTime.TotalSeconds:F2} s = {delivered.Sent / sourceTime.TotalSeconds:N0} msg/s
                whole-run msg/s / smtp-source msg/s = {sourceTime.TotalSeconds / deliverTime.TotalSeconds:F2}
                CPU a mail, every process on each side: the run (this process, PostgreSQL, smtp-sink) {runCpu.TotalMicroseconds / mails:N0} µs, smtp-source's {referenceCpu.TotalMicroseconds / mails:N0} µs (smtp-source {sourceCpu.TotalMicroseconds / mails:N0}, smtp-sink {referenceSinkCpu.TotalMicroseconds / mails:N0}); smtp-source's / the run's = {referenceCpu / runCpu:F2}
                """));
            if (statements)
                Console.WriteLine(byStatement);
            return delivered.Sent == plan.Queued ? 0 : 1;
        }
        finally
        {
            await app.Services.StopEmbeddedDatabaseAsync();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>The runtime's collection counts, pause time and bytes allocated so far (every thread).</summary>
    readonly record struct GcCounts(int Gen0, int Gen1, int Gen2, TimeSpan Paused, long Allocated)
    {
        public static GcCounts Now() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes());

        public static GcCounts operator -(GcCounts a, GcCounts b) =>
            new(a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2, a.Paused - b.Paused, a.Allocated - b.Allocated);
    }

    static async Task<(int Topics, long Links)> GenerateAsync(NpgsqlDataSource dataSource, Vocabulary vocabulary, int subscribers, int paperCount)
    {
        var random = new Random(20251123);
        var now = DateTime.UtcNow;
        await using var connection = await dataSource.OpenConnectionAsync();

        var topicTexts = vocabulary.Topics(3_000);
        var topicIds = (await connection.QueryAsync<long>("""
            INSERT INTO topics (query, created_at, last_chosen_at)
            SELECT q, @now, @now FROM unnest(@topicTexts) WITH ORDINALITY AS t(q, rank) ORDER BY rank
            RETURNING id
            """, new { topicTexts, now })).ToArray();

        await connection.ExecuteAsync("""
            INSERT INTO subscribers (email, status, frequency, delivery_hour, time_zone, created_at, updated_at, confirmed_at)
            SELECT 'reader' || n || '@bench.example', 'active', 'daily',
                   -- Any hour up to the zone's current one: every subscriber is due now.
                   n % (extract(hour FROM now() AT TIME ZONE z.zone)::int + 1), z.zone, @then, @then, @then
            FROM generate_series(1, @subscribers) AS n
            CROSS JOIN LATERAL (SELECT (@zones)[1 + n % cardinality(@zones)] AS zone) z
            """, new { subscribers, zones = Zones, then = now.AddDays(-30) }, commandTimeout: 600);
        var firstId = await connection.ExecuteScalarAsync<long>("SELECT min(id) FROM subscribers");

        long links = 0;
        var zipf = new Zipf(topicIds.Length, 1.05, random);
        await using (var import = await connection.BeginBinaryImportAsync("COPY subscriber_topics (subscriber_id, topic_id, position) FROM STDIN (FORMAT BINARY)"))
        {
            // Completing the COPY checks and indexes every row (3.25M at 1M subscribers): far past
            // Npgsql's default 30 s on a loaded machine.
            import.Timeout = TimeSpan.FromSeconds(Math.Max(30, subscribers / 1_000));
            var chosen = new HashSet<int>();
            for (var s = 0; s < subscribers; s++)
            {
                // Typically 2-4 topics, at least 1, at most 10.
                var count = Math.Clamp((int)Math.Round(3 + random.NextDouble() * 2.4 - 1.2 + (random.NextDouble() < 0.05 ? 5 : 0)), 1, 10);
                chosen.Clear();
                while (chosen.Count < count)
                    chosen.Add(zipf.Next());
                short position = 0;
                foreach (var topic in chosen)
                {
                    await import.StartRowAsync();
                    await import.WriteAsync(firstId + s, NpgsqlDbType.Bigint);
                    await import.WriteAsync(topicIds[topic], NpgsqlDbType.Bigint);
                    await import.WriteAsync(position++, NpgsqlDbType.Smallint);
                    links++;
                }
                if ((s + 1) % 100_000 == 0)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"generating: {s + 1:N0} of {subscribers:N0} subscribers' topics written"));
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"generating: completing the COPY of {links:N0} topic choices"));
            await import.CompleteAsync();
        }

        for (var p = 0; p < paperCount; p++)
        {
            await connection.ExecuteAsync("""
                INSERT INTO papers (id, title, abstract, authors, upvotes, listed_at, first_seen_at, page_url, pdf_url)
                VALUES (@id, @title, @summary, @authors, @upvotes, @seen, @seen, 'https://papers.example.org/' || @id, 'https://papers.example.org/' || @id || '.pdf')
                """, new
            {
                id = $"2511.{p:00000}",
                title = vocabulary.Title(random),
                summary = vocabulary.Abstract(random),
                authors = Enumerable.Range(0, random.Next(1, 9)).Select(a => $"Author {random.Next(10_000)}").ToArray(),
                upvotes = (int)(200 / Math.Pow(p + 1, 0.8)),
                seen = now.AddMinutes(-random.Next(5, 600)),
            });
        }
        Console.WriteLine("generating: analysing");
        await connection.ExecuteAsync("ANALYZE subscribers, subscriber_topics, topics, papers", commandTimeout: 600);
        return (topicIds.Length, links);
    }

    /// <returns>
    /// The average size; the time one message takes to render whole and to write (one thread); and
    /// what one mail costs as delivery makes it, its shape already rendered: time and bytes allocated.
    /// </returns>
    static async Task<(int Size, TimeSpan Render, TimeSpan Write, TimeSpan Make, long MakeBytes)> AverageMessageSizeAsync(IServiceProvider services, NpgsqlDataSource dataSource)
    {
        // Rendered and written as the delivery does, for a sample of issues.
        await using var connection = await dataSource.OpenConnectionAsync();
        var ids = (await connection.QueryAsync<long>("SELECT id FROM digest_issues WHERE state = 'sent' ORDER BY random() LIMIT 200")).AsList();
        var contents = await services.GetRequiredService<IssueReader>().ReadManyAsync(ids);
        var renderer = services.GetRequiredService<DigestRenderer>();
        var delivery = services.GetRequiredService<DigestDelivery>();
        var writer = services.GetRequiredService<Digest.Mailer.Mime.MessageWriter>();
        var reader = Digest.Mailer.MailboxAddress.Parse("reader@bench.example");
        var render = Stopwatch.StartNew();
        foreach (var content in contents.Values)
            renderer.RenderWhole(content);
        render.Stop();
        var rendered = contents.ToDictionary(c => c.Key, c => renderer.RenderToSend(c.Value));
        var messages = contents.Select(c => delivery.Compose(c.Key, reader, c.Value, rendered[c.Key])).ToList();
        var write = Stopwatch.StartNew();
        var sizes = messages.Select(m => writer.ToBytes(m).Length).ToList();
        write.Stop();
        foreach (var email in rendered.Values)
            email.Dispose();
        var count = Math.Max(sizes.Count, 1);

        // Rounds of the sample, after the ones above warmed the shapes and the code: the part of
        // a mail's CPU that is this process's own work, without the sockets and the database.
        // Process CPU, not wall time: what the loop and the collections it causes cost, without the
        // moments a shared machine gives this VM's core to another.
        const int Rounds = 100;
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var started = Process.GetCurrentProcess().TotalProcessorTime;
        for (var round = 0; round < Rounds; round++)
        {
            foreach (var (id, content) in contents)
            {
                using var email = renderer.RenderToSend(content);
                using var outgoing = writer.Write(delivery.Compose(id, reader, content, email));
            }
        }
        var make = Process.GetCurrentProcess().TotalProcessorTime - started;
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        var made = Math.Max(contents.Count * Rounds, 1);
        return (sizes.Count == 0 ? 1_000 : (int)sizes.Average(), render.Elapsed / count, write.Elapsed / count, make / made, allocated / made);
    }

    /// <returns>Distinct paper lists among the issues sent: as listed (with each paper's matched topics), and by paper ids alone.</returns>
    static async Task<(long Lists, long PaperSequences)> DistinctPaperListsAsync(NpgsqlDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.QuerySingleAsync<(long, long)>(new CommandDefinition("""
            SELECT count(DISTINCT (period, paper_ids, paper_topics)), count(DISTINCT (period, paper_ids))
            FROM digest_issues WHERE state = 'sent'
            """, commandTimeout: 600));
    }

    /// <summary>
    /// With <paramref name="reset"/>, forgets what generating the data cost; otherwise the run's
    /// statements by time inside PostgreSQL (wall clock: on a busy machine it includes waiting
    /// for a core), each with its calls, rows and time a row.
    /// </summary>
    static async Task<string> StatementsAsync(NpgsqlDataSource dataSource, bool reset)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        if (reset)
        {
            await connection.ExecuteAsync("SELECT pg_stat_statements_reset()");
            return "";
        }
        var rows = await connection.QueryAsync<(double Milliseconds, long Calls, long Rows, string Query)>("""
            SELECT total_exec_time, calls, rows, left(regexp_replace(query, '\s+', ' ', 'g'), 100)
            FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12
            """);
        var lines = new StringBuilder("PostgreSQL's time by statement over the run (pg_stat_statements, wall clock inside the server):\n");
        foreach (var (milliseconds, calls, count, query) in rows)
        {
            // A statement that writes a batch and returns one row has its rows counted as one.
            var perRow = count > calls ? string.Create(CultureInfo.InvariantCulture, $"{milliseconds * 1000 / count,9:N1} µs a row") : new string(' ', 16);
            lines.Append(CultureInfo.InvariantCulture, $"{milliseconds / 1000,8:F2} s {calls,9:N0} calls {milliseconds * 1000 / Math.Max(calls, 1),11:N1} µs a call {count,11:N0} rows {perRow}   {query}\n");
        }
        return lines.ToString();
    }

    static long PeakRss() => StatusKilobytes("/proc/self/status", "VmHWM:") * 1024;

    static long PostgresPeakRss() =>
        EachProcess("postgres", folder => StatusKilobytes(Path.Combine(folder, "status"), "VmHWM:") * 1024).DefaultIfEmpty().Max();

    /// <summary>
    /// The CPU time of every process of that name, with what their exited children used (the
    /// postmaster reaps each backend that closes, so a run's short-lived connections count too).
    /// </summary>
    static TimeSpan ProcessCpu(string name) =>
        TimeSpan.FromTicks(EachProcess(name, folder => ProcStat.Cpu(folder, ProcStat.OwnAndReapedChildren).Ticks).Sum());

    /// <summary>What <paramref name="read"/> gives for each running process of that name; one that ends while being read is skipped.</summary>
    static List<long> EachProcess(string name, Func<string, long> read)
    {
        var values = new List<long>();
        foreach (var folder in Directory.GetDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(folder, "comm")).Trim() == name)
                    values.Add(read(folder));
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return values;
    }

    static long StatusKilobytes(string file, string field) =>
        File.ReadLines(file).Where(l => l.StartsWith(field, StringComparison.Ordinal))
            .Select(l => long.Parse(l[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture)).FirstOrDefault();

    /// <summary>Terms of the seed papers by frequency: the topics people follow and the words new papers use.</summary>
    sealed partial class Vocabulary
    {
        readonly string[] _titleWords;
        readonly string[] _abstractWords;
        readonly List<string> _terms;
        readonly List<string> _phrases;

        Vocabulary(string[] titleWords, string[] abstractWords, List<string> terms, List<string> phrases)
        {
            _titleWords = titleWords;
            _abstractWords = abstractWords;
            _terms = terms;
            _phrases = phrases;
        }

        public static Vocabulary Load(string file)
        {
            using var feed = JsonDocument.Parse(File.ReadAllText(file));
            var papers = feed.RootElement.GetProperty("papers").EnumerateArray()
                .Select(p => (Title: p.GetProperty("title").GetString()!, Abstract: p.GetProperty("abstract").GetString()!)).ToList();
            var titleWords = papers.SelectMany(p => Words(p.Title)).ToArray();
            var abstractWords = papers.SelectMany(p => Words(p.Abstract)).ToArray();
            var terms = titleWords.Concat(abstractWords).Where(w => w.Length >= 4 && !StopWords.Contains(w))
                .GroupBy(w => w, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => g.Key).ToList();
            var phrases = papers.SelectMany(p => Pairs(Words(p.Title).ToList()).Concat(Pairs(Words(p.Abstract).ToList())))
                .GroupBy(w => w, StringComparer.Ordinal).Where(g => g.Count() >= 2).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => g.Key).ToList();
            return new Vocabulary(titleWords, abstractWords, terms, phrases);
        }

        /// <summary>Single terms, quoted phrases and a few "a or b" topics, most frequent first.</summary>
        public string[] Topics(int count)
        {
            var topics = new List<string>();
            for (var i = 0; topics.Count < count && (i < _terms.Count || i < _phrases.Count); i++)
            {
                if (i < _terms.Count)
                    topics.Add(_terms[i]);
                if (i < _phrases.Count)
                    topics.Add($"\"{_phrases[i]}\"");
                if (i % 7 == 3 && i + 1 < _terms.Count)
                    topics.Add($"{_terms[i]} or {_terms[i + 1]}");
            }
            return topics.Distinct(StringComparer.Ordinal).Take(count).ToArray();
        }

        public string Title(Random random) => Capitalise(string.Join(' ', Enumerable.Range(0, random.Next(6, 14)).Select(_ => _titleWords[random.Next(_titleWords.Length)])));

        public string Abstract(Random random) => Capitalise(string.Join(' ', Enumerable.Range(0, random.Next(120, 220)).Select(_ => _abstractWords[random.Next(_abstractWords.Length)]))) + ".";

        static string Capitalise(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

        static IEnumerable<string> Words(string text) => Word().Matches(text.ToLowerInvariant()).Select(m => m.Value);

        static IEnumerable<string> Pairs(List<string> words) =>
            words.Zip(words.Skip(1)).Where(p => p.First.Length >= 4 && p.Second.Length >= 4 && !StopWords.Contains(p.First) && !StopWords.Contains(p.Second))
                .Select(p => $"{p.First} {p.Second}");

        [GeneratedRegex("[a-z][a-z0-9-]+")]
        private static partial Regex Word();
    }

    /// <summary>Ranks 0..n-1 with probability proportional to 1/(rank+1)^s.</summary>
    sealed class Zipf
    {
        readonly double[] _cumulative;
        readonly Random _random;

        public Zipf(int n, double s, Random random)
        {
            _random = random;
            _cumulative = new double[n];
            var sum = 0.0;
            for (var i = 0; i < n; i++)
                _cumulative[i] = sum += 1 / Math.Pow(i + 1, s);
            for (var i = 0; i < n; i++)
                _cumulative[i] /= sum;
        }

        public int Next()
        {
            var at = Array.BinarySearch(_cumulative, _random.NextDouble());
            return Math.Min(at < 0 ? ~at : at, _cumulative.Length - 1);
        }
    }
}
