using Dapper;
using Digest.TestSupport;
using Npgsql;

namespace Digest.Tests.Cli;

/// <summary>subscribers import|export and suppression list|lift as an operator runs them: the real executable against a test database.</summary>
public sealed class OperatorVerbsTests
{
    string _connectionString = "";
    string _folder = "";

    [SetUp]
    public async Task CreateDatabase()
    {
        _connectionString = await TestPostgres.CreateDatabaseAsync();
        _folder = Path.Combine(Path.GetTempPath(), "digest-operator-verbs", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
    }

    [TearDown]
    public void RemoveFiles() => Directory.Delete(_folder, recursive: true);

    Dictionary<string, string?> Environment() => new()
    {
        ["ConnectionStrings__Postgres"] = _connectionString,
        ["Digest__PublicUrl"] = "https://digest.example.org/",
        ["Digest__DataDir"] = _folder,
        ["Papers__Demo"] = "Never",
    };

    [Test]
    public async Task Import_reports_bad_lines_and_export_writes_what_was_imported()
    {
        var file = Path.Combine(_folder, "list.csv");
        await File.WriteAllTextAsync(file,
            "email,topics,frequency,hour,zone,weekday\n" +
            "ada@example.org,diffusion;rlhf,daily,7,Europe/Paris,\n" +
            "alan@example,turing,daily,7,UTC,\n" +
            "grace@example.org,cobol,weekly,9,UTC,Tuesday\n");

        var (exitCode, output) = await DigestProcess.RunAsync(["subscribers", "import", file, "--confirmed"], Environment());

        Assert.That(exitCode, Is.EqualTo(1), "a bad line makes the exit non-zero: " + output);
        Assert.That(output, Does.Contain("line 3: email: "));
        Assert.That(output, Does.Contain("Imported 2 subscriber(s): 2 new, 0 updated; 0 confirmation mail(s) queued; 1 line(s) not imported."));

        var (exportExit, export) = await DigestProcess.RunAsync(["subscribers", "export"], Environment());
        Assert.That(exportExit, Is.Zero, export);
        Assert.That(export, Does.Contain(
            "email,topics,frequency,hour,zone,weekday,status\n" +
            "ada@example.org,diffusion;rlhf,daily,7,Europe/Paris,,active\n" +
            "grace@example.org,cobol,weekly,9,UTC,Tuesday,active\n"));

        var one = Path.Combine(_folder, "ada.csv");
        var (oneExit, oneOutput) = await DigestProcess.RunAsync(["subscribers", "export", "--email", "ada@example.org", "--out", one], Environment());
        Assert.That(oneExit, Is.Zero, oneOutput);
        Assert.That(await File.ReadAllTextAsync(one), Is.EqualTo("email,topics,frequency,hour,zone,weekday,status\nada@example.org,diffusion;rlhf,daily,7,Europe/Paris,,active\n"));
    }

    [Test]
    public async Task Suppression_list_shows_why_and_lift_makes_the_address_active_again()
    {
        var file = Path.Combine(_folder, "list.csv");
        await File.WriteAllTextAsync(file, "email,topics,frequency,hour,zone\nada@example.org,diffusion,daily,7,UTC\n");
        Assert.That((await DigestProcess.RunAsync(["subscribers", "import", file, "--confirmed"], Environment())).ExitCode, Is.Zero);
        await using (var connection = new NpgsqlConnection(_connectionString))
            await connection.ExecuteAsync("""
                UPDATE subscribers SET status = 'suppressed', hard_failures = 3, suppressed_at = now(),
                    suppressed_reason = '550 5.1.1 mailbox unknown'
                """);

        var (listExit, list) = await DigestProcess.RunAsync(["suppression", "list"], Environment());
        Assert.That(listExit, Is.Zero, list);
        Assert.That(list, Does.Match(@"ada@example\.org\s*│[^│]*│\s*550 5\.1\.1 mailbox unknown"));

        var (liftExit, lift) = await DigestProcess.RunAsync(["suppression", "lift", "ADA@example.org"], Environment());
        Assert.That(liftExit, Is.Zero, lift);
        Assert.That(lift, Does.Contain("Lifted: ADA@example.org is active again."));
        await using var check = new NpgsqlConnection(_connectionString);
        var row = await check.QuerySingleAsync<(string Status, int HardFailures, DateTime? SuppressedAt, string? Reason)>(
            "SELECT status, hard_failures, suppressed_at, suppressed_reason FROM subscribers");
        Assert.That(row, Is.EqualTo(("active", 0, (DateTime?)null, (string?)null)));

        var (emptyExit, empty) = await DigestProcess.RunAsync(["suppression", "list"], Environment());
        Assert.That(emptyExit, Is.Zero, empty);
        Assert.That(empty, Does.Contain("No address is suppressed."));
    }

    [TestCase(new[] { "subscribers", "import" }, 2, "digest subscribers import: Required argument missing")]
    [TestCase(new[] { "subscribers", "import", "no-such-file.csv" }, 2, "digest subscribers import: the file 'no-such-file.csv' does not exist.")]
    [TestCase(new[] { "subscribers", "import", "list.csv", "--confirm" }, 2, "digest subscribers import: Unrecognized argument: '--confirm'.")]
    [TestCase(new[] { "subscribers", "export", "--email", "nobody@example.org" }, 1, "digest subscribers export: no subscriber has the address 'nobody@example.org'.")]
    [TestCase(new[] { "subscribers", "delete" }, 2, "digest subscribers: Unrecognized argument: 'delete'.")]
    [TestCase(new[] { "suppression", "lift" }, 2, "digest suppression lift: Required argument missing")]
    [TestCase(new[] { "suppression", "lift", "nobody@example.org" }, 1, "digest suppression lift: 'nobody@example.org' is not a suppressed address (see digest suppression list).")]
    public async Task A_wrong_argument_gets_one_clear_line_and_a_non_zero_exit(string[] arguments, int expectedExit, string expected)
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, "list.csv"), "email,topics,frequency,hour,zone\n");
        var (exitCode, output) = await DigestProcess.RunAsync(arguments.Select(a => a == "list.csv" ? Path.Combine(_folder, a) : a), Environment());

        Assert.That(exitCode, Is.EqualTo(expectedExit), output);
        Assert.That(output, Does.Contain(expected));
    }
}
