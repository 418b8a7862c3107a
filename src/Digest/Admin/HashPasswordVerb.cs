using System.CommandLine;
using System.Text;

namespace Digest.Admin;

/// <summary>
/// <c>digest admin hash-password</c>: reads the console password from standard input (typed without
/// echo at a terminal, or the first line of a pipe; never an argument, which the process list and
/// shell history would show) and prints the Admin:PasswordHash to configure. Needs no database.
/// </summary>
internal static class HashPasswordVerb
{
    public const int MinimumLength = 12;

    public static Command Create()
    {
        var hash = new Command("hash-password", "Read a password from standard input and print the Admin:PasswordHash that turns the console on.");
        hash.SetAction(async (_, ct) =>
        {
            var password = Console.IsInputRedirected ? await Console.In.ReadLineAsync(ct) ?? "" : Prompt("Password: ");
            if (password.Length < MinimumLength)
            {
                await Console.Error.WriteLineAsync($"digest admin hash-password: the password must be at least {MinimumLength} characters long.");
                return 2;
            }
            if (!Console.IsInputRedirected && Prompt("Again: ") != password)
            {
                await Console.Error.WriteLineAsync("digest admin hash-password: the two passwords differ.");
                return 2;
            }
            Console.WriteLine(AdminPassword.Hash(password));
            return 0;
        });
        return new Command("admin", "The operator console's settings.") { hash };
    }

    /// <summary>Reads a line at the terminal without showing it.</summary>
    static string Prompt(string prompt)
    {
        Console.Error.Write(prompt);
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
                break;
            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                    text.Length--;
                continue;
            }
            if (!char.IsControl(key.KeyChar))
                text.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return text.ToString();
    }
}
