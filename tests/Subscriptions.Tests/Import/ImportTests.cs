using System.Globalization;
using System.Text;
using Dapper;
using Digest.Subscriptions.Import;
using Digest.Subscriptions.Tests.Harness;

namespace Digest.Subscriptions.Tests.Import;

/// <summary>An import obeys exactly what the subscribe form enforces, row by row, and an export imports again to the same state.</summary>
public sealed class ImportTests
{
    const string Header = "email,topics,frequency,hour,zone,weekday";

    TestService _service = null!;

    [SetUp]
    public async Task Start() => _service = await TestService.StartAsync();

    [TearDown]
    public async Task Stop() => await _service.DisposeAsync();

    /// <summary>Bad rows of every kind the form refuses, each with the line it is on (1 is the header).</summary>
    static readonly Func<int, string>[] BadRows =
    [
        n => $"not-an-address-{n},diffusion,daily,7,UTC,",
        n => $"nobody{n}@example.org,,daily,7,UTC,",
        n => $"nobody{n}@example.org,diffusion,hourly,7,UTC,",
        n => $"nobody{n}@example.org,diffusion,daily,24,UTC,",
        n => $"nobody{n}@example.org,diffusion,daily,7,Mars/Olympus_Mons,",
        n => $"nobody{n}@example.org,diffusion,weekly,7,UTC,",
        n => $"nobody{n}@example.org,the of and,daily,7,UTC,",
        n => $"nobody{n}@example.org,diffusion,daily,7,UTC,,extra",
        n => $"nobody{n}@example.org,\"diffusion,daily,7,UTC,",
        n => "reader1@example.org,diffusion,daily,7,UTC,", // already on line 2
    ];

    [Test]
    public async Task Ten_thousand_rows_with_200_bad_ones_write_every_good_row_and_name_each_bad_line()
    {
        var file = new StringBuilder(Header).Append('\n');
        var badLines = new List<int>();
        var good = 0;
        for (var line = 2; line <= 10_001; line++)
        {
            // Every 50th row is bad: 200 of them, of every kind in turn.
            if (line % 50 == 0)
            {
                badLines.Add(line);
                file.Append(BadRows[badLines.Count % BadRows.Length](line)).Append('\n');
                continue;
            }
            good++;
            var weekly = line % 7 == 0;
            file.Append(CultureInfo.InvariantCulture, $"reader{line - 1}@example.org,diffusion models;protein folding author:lovelace,")
                .Append(weekly ? "weekly" : "daily").Append(CultureInfo.InvariantCulture, $",{line % 24},Europe/Paris,")
                .Append(weekly ? "Monday" : "").Append('\n');
        }

        var report = await ImportAsync(file.ToString(), confirmed: true);

        Assert.That(report.Problems.Select(LineOf), Is.EqualTo(badLines), string.Join('\n', report.Problems.Take(20)));
        Assert.That(report.Added, Is.EqualTo(good));
        Assert.That(await _service.ScalarAsync<int>("SELECT count(*) FROM subscribers WHERE status = 'active'"), Is.EqualTo(good));
        Assert.That(await _service.ScalarAsync<int>("SELECT count(*) FROM subscribers WHERE email LIKE 'nobody%' OR email LIKE 'not-an-address%'"), Is.Zero,
            "nothing of a bad row is written");
        Assert.That(await _service.ScalarAsync<int>("SELECT count(*) FROM subscriber_topics"), Is.EqualTo(2 * good));
        Assert.That(await _service.ScalarAsync<int>("SELECT count(*) FROM outbox"), Is.Zero, "--confirmed sends no mail");
    }

    [TestCase("not-an-address,diffusion,daily,7,UTC,", "line 2: email: ")]
    [TestCase("ada@example.org,,daily,7,UTC,", "line 2: topics: Enter at least one topic")]
    [TestCase("ada@example.org,diffusion,daily,24,UTC,", "line 2: hour: Choose the time of day the digest comes, from 00:00 to 23:00.")]
    [TestCase("ada@example.org,diffusion,daily,7,Mars/Olympus_Mons,", "line 2: zone: “Mars/Olympus_Mons” is not a time zone we know")]
    [TestCase("ada@example.org,diffusion,weekly,7,UTC,", "line 2: weekday: Choose the day of the week")]
    [TestCase("ada@example.org,the of,daily,7,UTC,", "line 2: topics: The topic “the of” has only words the search ignores")]
    [TestCase("ada@example.org,diffusion,daily,7,UTC", "line 2: 5 field(s), but the header names 6.")]
    public async Task A_bad_row_is_reported_with_its_line_and_the_forms_own_words(string row, string expected)
    {
        var report = await ImportAsync($"{Header}\n{row}\n", confirmed: true);

        Assert.That(report.Problems, Has.Count.EqualTo(1));
        Assert.That(report.Problems[0], Does.StartWith(expected));
        Assert.That(await _service.ScalarAsync<int>("SELECT count(*) FROM subscribers"), Is.Zero);
    }

    [Test]
    public async Task A_header_without_the_columns_is_refused_whole()
    {
        var report = await ImportAsync("mail,topics\nada@example.org,diffusion\n", confirmed: true);

        Assert.That(report.Problems, Is.EqualTo(new[]
        {
            "line 1: the header row must name the columns email,topics,frequency,hour,zone,weekday,status (weekday and status optional): " +
            "missing column(s) email, frequency, hour, zone; unknown column(s) 'mail'.",
        }));
    }

    [Test]
    public async Task Without_confirmed_each_address_is_pending_and_gets_a_paced_confirmation()
    {
        var report = await ImportAsync($"{Header}\nada@example.org,diffusion,daily,7,UTC,\nalan@example.org,turing,daily,7,UTC,\ngrace@example.org,cobol,daily,7,UTC,\n", confirmed: false);

        Assert.That(report.ConfirmationsQueued, Is.EqualTo(3));
        Assert.That(await Subscribers.StatusAsync(_service, "ada@example.org"), Is.EqualTo("pending"));
        await using var connection = await _service.OpenAsync();
        // The outbox worker may already have claimed the first (due at once), which moves its
        // due_at to the lease's end: the pacing is read from the ones still waiting their turn.
        var due = (await connection.QueryAsync<DateTime>(
            "SELECT due_at FROM outbox WHERE kind = 'confirmation' AND state = 'queued' AND claimed_by IS NULL ORDER BY due_at")).ToList();
        // 100 a minute by default: 0.6 s apart.
        Assert.That(due, Has.Count.GreaterThanOrEqualTo(2));
        Assert.That(due.Zip(due.Skip(1), (a, b) => b - a), Is.All.EqualTo(TimeSpan.FromMilliseconds(600)));
        var mail = (await Inbox.WaitForAsync(_service, "ada@example.org", 1)).Single();
        Assert.That(mail.Subject, Does.StartWith("Confirm"));
    }

    [Test]
    public async Task An_import_does_not_subscribe_again_an_address_that_left_or_is_suppressed()
    {
        await ImportAsync($"{Header}\nleft@example.org,diffusion,daily,7,UTC,\nbounced@example.org,diffusion,daily,7,UTC,\n", confirmed: true);
        await _service.ExecuteAsync("UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = now() WHERE email = 'left@example.org'");
        await _service.ExecuteAsync("UPDATE subscribers SET status = 'suppressed', suppressed_at = now(), suppressed_reason = '550 no such user' WHERE email = 'bounced@example.org'");

        var report = await ImportAsync($"{Header}\nleft@example.org,rlhf,daily,7,UTC,\nbounced@example.org,rlhf,daily,7,UTC,\n", confirmed: true);

        Assert.That(report.Problems, Has.Count.EqualTo(2));
        Assert.That(report.Problems[0], Does.StartWith("line 2: left@example.org has unsubscribed"));
        Assert.That(report.Problems[1], Does.StartWith("line 3: bounced@example.org is suppressed").And.Contain("digest suppression lift bounced@example.org"));
        Assert.That(await Subscribers.StatusAsync(_service, "left@example.org"), Is.EqualTo("unsubscribed"));
        Assert.That(await _service.ScalarAsync<int>("SELECT count(*) FROM topics WHERE query = 'rlhf'"), Is.Zero);
    }

    [Test]
    public async Task An_export_imports_again_to_the_same_state()
    {
        await ImportAsync(
            "email,topics,frequency,hour,zone,weekday,status\n" +
            "ada@example.org,\"diffusion models;\"\"protein folding\"\" author:lovelace upvotes:5\",daily,7,Europe/Paris,,active\n" +
            "alan@example.org,turing category:cs.LG,weekly,23,America/New_York,Friday,paused\n" +
            "grace@example.org,cobol,daily,0,UTC,,pending\n", confirmed: true);
        var first = await ExportAsync();

        var again = await ImportAsync(first, confirmed: true);
        Assert.That(again.Problems, Is.Empty);
        Assert.That(again.Updated, Is.EqualTo(3));
        Assert.That(await ExportAsync(), Is.EqualTo(first), "importing an export into the same database changes nothing");

        await using var elsewhere = await TestService.StartAsync();
        await elsewhere.Service<SubscriberImport>().RunAsync(new StringReader(first), new ImportRequest(Confirmed: true));
        var second = new StringWriter();
        await elsewhere.Service<SubscriberExport>().WriteAsync(second);
        Assert.That(second.ToString(), Is.EqualTo(first), "a fresh database ends in the same state");
        Assert.That(first, Does.Contain("alan@example.org,turing category:cs.LG,weekly,23,America/New_York,Friday,paused"));
        Assert.That(first, Does.Contain("grace@example.org,cobol,daily,0,UTC,,pending"), "a pending address stays pending: it never confirmed");
    }

    [Test]
    public async Task Export_of_one_address_gives_only_that_persons_data_whatever_their_status()
    {
        await ImportAsync($"{Header}\nada@example.org,diffusion,daily,7,UTC,\nalan@example.org,turing,daily,7,UTC,\n", confirmed: true);
        await _service.ExecuteAsync("UPDATE subscribers SET status = 'unsubscribed' WHERE email = 'ada@example.org'");

        var one = new StringWriter();
        var count = await _service.Service<SubscriberExport>().WriteAsync(one, "ADA@example.org");

        Assert.That(count, Is.EqualTo(1));
        Assert.That(one.ToString(), Is.EqualTo("email,topics,frequency,hour,zone,weekday,status\nada@example.org,diffusion,daily,7,UTC,,unsubscribed\n"));
        Assert.That(await ExportAsync(), Does.Not.Contain("ada@example.org"), "a full export lists only whom an import can carry");
    }

    [Test]
    public async Task A_listmonk_export_is_accepted_with_its_attributes_and_blocklisted_rows_are_not()
    {
        const string Listmonk = """
            uuid,email,name,attributes,status,created_at,updated_at
            6a1c3f0e-0000-4000-8000-000000000001,ada@example.org,Ada,"{""topics"": [""diffusion"", ""rlhf""], ""hour"": 9, ""zone"": ""Europe/London""}",enabled,2024-01-01 10:00:00 +0000 UTC,2024-01-01 10:00:00 +0000 UTC
            6a1c3f0e-0000-4000-8000-000000000002,alan@example.org,Alan,{},enabled,2024-01-01 10:00:00 +0000 UTC,2024-01-01 10:00:00 +0000 UTC
            6a1c3f0e-0000-4000-8000-000000000003,spam@example.org,,{},blocklisted,2024-01-01 10:00:00 +0000 UTC,2024-01-01 10:00:00 +0000 UTC
            """;

        var report = await _service.Service<SubscriberImport>().RunAsync(
            new StringReader(Listmonk), new ImportRequest(Confirmed: true, DefaultTopics: "machine learning"));

        Assert.That(report.Problems, Is.EqualTo(new[] { "line 4: listmonk marks spam@example.org as 'blocklisted', not 'enabled'; not imported." }));
        Assert.That(await ExportAsync(), Is.EqualTo(
            "email,topics,frequency,hour,zone,weekday,status\n" +
            "ada@example.org,diffusion;rlhf,daily,9,Europe/London,,active\n" +
            "alan@example.org,machine learning,daily,7,UTC,,active\n"), "a row without a schedule gets the form's defaults");
    }

    [Test]
    public async Task JSON_lines_carry_the_same_fields()
    {
        var report = await ImportAsync("""
            {"email": "ada@example.org", "topics": ["diffusion", "rlhf"], "frequency": "weekly", "hour": 6, "zone": "Asia/Tokyo", "weekday": "mon"}
            {"email": "alan@example.org", "topics": "turing", "frequency": "daily", "hour": "25", "zone": "UTC"}
            {"email": "grace@example.org", "topic": "cobol"}
            not json
            """, confirmed: true);

        Assert.That(report.Problems.Select(LineOf), Is.EqualTo(new[] { 2, 3, 4 }));
        Assert.That(report.Problems[1], Does.Contain("unknown field(s) 'topic'"));
        Assert.That(await ExportAsync(), Does.EndWith("ada@example.org,diffusion;rlhf,weekly,6,Asia/Tokyo,Monday,active\n"));
    }

    async Task<ImportReport> ImportAsync(string file, bool confirmed) =>
        await _service.Service<SubscriberImport>().RunAsync(new StringReader(file), new ImportRequest(confirmed));

    async Task<string> ExportAsync()
    {
        var output = new StringWriter { NewLine = "\n" };
        await _service.Service<SubscriberExport>().WriteAsync(output);
        return output.ToString();
    }

    static int LineOf(string problem) => int.Parse(problem.Split(':')[0]["line ".Length..], CultureInfo.InvariantCulture);
}
