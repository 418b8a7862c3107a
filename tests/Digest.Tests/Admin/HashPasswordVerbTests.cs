using Digest.Admin;
using Digest.TestSupport;

namespace Digest.Tests.Admin;

/// <summary><c>digest admin hash-password</c> as an operator runs it: the password on standard input, the hash on standard output.</summary>
public sealed class HashPasswordVerbTests
{
    // No database: the verb must work before one is configured.
    static readonly Dictionary<string, string?> Environment = new() { ["ConnectionStrings__Postgres"] = "Host=127.0.0.1;Port=1;Database=none" };

    [Test]
    public async Task The_password_read_from_standard_input_gives_a_hash_that_matches_it_and_is_not_printed()
    {
        var password = Guid.NewGuid().ToString("N");

        var (exitCode, output) = await DigestProcess.RunAsync(["admin", "hash-password"], Environment, input: password + "\n");

        Assert.That(exitCode, Is.Zero, output);
        var hash = output.Trim();
        Assert.That(hash, Does.StartWith("pbkdf2-sha256$600000$"));
        Assert.That(output, Does.Not.Contain(password));
        Assert.That(AdminPassword.TryParse(hash, out var parsed), Is.True);
        Assert.That(parsed!.Matches(password), Is.True);
        Assert.That(parsed.Matches(password + "x"), Is.False);
    }

    [TestCase(new[] { "admin", "hash-password" }, "short\n", "digest admin hash-password: the password must be at least 12 characters long.")]
    [TestCase(new[] { "admin", "hash-password", "my-secret-password" }, "", "digest admin hash-password: Unrecognized argument: 'my-secret-password'.")]
    [TestCase(new[] { "admin" }, "", "digest admin: Required command was not provided.")]
    public async Task A_wrong_use_gets_one_clear_line_and_a_non_zero_exit(string[] arguments, string input, string expected)
    {
        var (exitCode, output) = await DigestProcess.RunAsync(arguments, Environment, input: input);

        Assert.That(exitCode, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain(expected));
    }

    [Test]
    public async Task A_service_with_a_hash_that_is_not_one_refuses_to_start_and_says_why()
    {
        var environment = new Dictionary<string, string?>(Environment) { ["Admin__PasswordHash"] = "hunter2" };

        var (exitCode, output) = await DigestProcess.RunAsync(["migrate"], environment);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(output, Does.Contain("Admin:PasswordHash is not a hash made by 'digest admin hash-password'"));
    }
}
