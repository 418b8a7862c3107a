using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Digest.TestSupport;

/// <summary>
/// Postfix's smtp-sink on a free loopback port, dumping every message it accepts to a folder.
/// Extra arguments switch on its fault modes (-r/-f/-q/-Q/-A/-p/-e …, see man smtp-sink).
/// </summary>
public sealed class SmtpSink : IDisposable
{
    readonly Process _process;
    readonly string _folder;

    SmtpSink(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }
    public static string Host => "127.0.0.1";

    public static Task<SmtpSink> StartAsync(params string[] faultArguments) => StartOnPortAsync(FreePort.Next(), faultArguments);

    /// <summary>On a given port: a relay that comes back where the service expects it.</summary>
    public static async Task<SmtpSink> StartOnPortAsync(int port, params string[] faultArguments)
    {
        var folder = Path.Combine(Path.GetTempPath(), "digest-sink", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        // smtp-sink drops root privileges to 'nobody', which must be able to write the dumps.
        File.SetUnixFileMode(folder, (UnixFileMode)0x1FF); // 0777

        var start = new ProcessStartInfo(Programs.Require("smtp-sink", "postfix"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Environment.IsPrivilegedProcess)
        {
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add("nobody");
        }
        start.ArgumentList.Add("-d");
        start.ArgumentList.Add(Path.Combine(folder, "%H%M%S."));
        foreach (var argument in faultArguments)
            start.ArgumentList.Add(argument);
        start.ArgumentList.Add($"127.0.0.1:{port}");
        start.ArgumentList.Add("256");

        var process = Process.Start(start) ?? throw new InvalidOperationException("smtp-sink did not start");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var sink = new SmtpSink(process, folder, port);
        await FreePort.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(10), () => process.HasExited);
        return sink;
    }

    /// <summary>
    /// The messages the sink has accepted so far, oldest first. smtp-sink opens its capture file
    /// at MAIL and deletes it if the transaction is abandoned, so a file it still holds open is a
    /// transaction in progress, not a message: the folder is listed first, then such files are left out.
    /// </summary>
    public IReadOnlyList<SunkMessage> Messages()
    {
        if (!Directory.Exists(_folder))
            return [];
        var files = Directory.GetFiles(_folder, "*", SearchOption.AllDirectories);
        var open = FilesHeldOpen();
        var messages = new List<(DateTime Time, SunkMessage Message)>();
        foreach (var file in files.Where(f => !open.Contains(f)))
        {
            try
            {
                var time = File.GetLastWriteTimeUtc(file);
                messages.Add((time, SunkMessage.Parse(File.ReadAllText(file))));
            }
            catch (FileNotFoundException)
            {
                // Abandoned and deleted between the listing and the read.
            }
        }
        return messages.OrderBy(m => m.Time).Select(m => m.Message).ToList();
    }

    HashSet<string> FilesHeldOpen()
    {
        var open = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var descriptor in Directory.GetFiles($"/proc/{_process.Id}/fd"))
            {
                try
                {
                    if (new FileInfo(descriptor).LinkTarget is { } target)
                        open.Add(target);
                }
                catch (IOException)
                {
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            // The sink has exited: it holds nothing open.
        }
        return open;
    }

    /// <summary>Waits (polling, no fixed sleep) until the sink holds at least <paramref name="count"/> messages.</summary>
    public async Task<IReadOnlyList<SunkMessage>> WaitForMessagesAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var messages = Messages();
            if (messages.Count >= count || DateTime.UtcNow > deadline)
                return messages;
            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        Harness.Stop(_process, _folder);
    }
}

/// <summary>One message as smtp-sink dumped it: the envelope, then the message (its line ends are LF).</summary>
public sealed record SunkMessage(string MailFrom, IReadOnlyList<string> RcptTo, string Message)
{
    public static SunkMessage Parse(string dump)
    {
        var lines = dump.Split('\n');
        string mailFrom = "";
        var rcptTo = new List<string>();
        var i = 0;
        for (; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.StartsWith("X-Mail-Args: ", StringComparison.Ordinal))
                mailFrom = line["X-Mail-Args: ".Length..].Split(' ')[0];
            else if (line.StartsWith("X-Rcpt-Args: ", StringComparison.Ordinal))
                rcptTo.Add(line["X-Rcpt-Args: ".Length..].Split(' ')[0]);
            else if (!line.StartsWith("X-Client-", StringComparison.Ordinal) && !line.StartsWith("X-Helo-Args: ", StringComparison.Ordinal))
                break;
        }
        // smtp-sink adds its own Received: header (possibly folded) before the client's message.
        if (i < lines.Length && lines[i].StartsWith("Received: ", StringComparison.Ordinal))
        {
            i++;
            while (i < lines.Length && lines[i].Length > 0 && (lines[i][0] == ' ' || lines[i][0] == '\t'))
                i++;
        }
        var message = string.Join('\n', lines[i..]);
        // The dump ends each message with one empty line of its own.
        if (message.EndsWith("\n\n", StringComparison.Ordinal))
            message = message[..^1];
        return new SunkMessage(mailFrom, rcptTo, message);
    }
}
