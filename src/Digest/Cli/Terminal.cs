using Spectre.Console;

namespace Digest.Cli;

internal static class Terminal
{
    /// <summary>Into a file or a pipe (cron, CI): plain text, no colour codes, no live redrawing.</summary>
    public static void PlainWhenRedirected()
    {
        if (!Console.IsOutputRedirected)
            return;
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
    }
}
