using System.Diagnostics;
using System.Text.Json;


namespace Digest.TestSupport;

/// <summary>
/// aiosmtpd under Debian's python3 on a free loopback port, writing what it accepts to files.
/// Recipients whose local part starts with "defer" get 451, with "reject" 550, with "spam" 554 at
/// the final dot; "slow" and "late" ones are answered late (aiosmtpd_server.py says how). Every
/// MAIL, RCPT and final-dot reply is logged (<see cref="Attempts"/>).
/// </summary>
public sealed class Aiosmtpd : IDisposable
{
    readonly Process _process;
    readonly string _folder;

    Aiosmtpd(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    /// <summary>From now on MAIL FROM is answered with <paramref name="reply"/> (a relay that refuses the sender); null: accepted again.</summary>
    public void RefuseSender(string? reply)
    {
        var path = Path.Combine(_folder, "reject-sender");
        if (reply is null)
            File.Delete(path);
        else
            File.WriteAllText(path, reply + "\n");
    }

    /// <param name="tls">With a certificate: STARTTLS and AUTH are required, with these credentials.</param>
    /// <param name="deferTimes">Defer each "defer…" address only this many times; null: always.</param>
    /// <param name="throttleEvery">Answer every n-th MAIL FROM with 454 4.7.0 (a relay's rate limit); null: never.</param>
    /// <param name="slow">How long "slow…" recipients' final dot waits for its reply (default 2 s).</param>
    /// <param name="late">How long a "late…" recipient's first final dot waits for its reply (default 3 s).</param>
    public static async Task<Aiosmtpd> StartAsync(bool smtpUtf8 = false, (TestCertificate Certificate, string User, string Password)? tls = null,
        int? deferTimes = null, int? throttleEvery = null, TimeSpan? slow = null, TimeSpan? late = null)
    {
        var folder = Directory.CreateTempSubdirectory("digest-aiosmtpd-").FullName;
        var port = FreePort.Next();
        var start = new ProcessStartInfo(Python.Interpreter)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "aiosmtpd_server.py"));
        start.ArgumentList.Add(folder);
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.ArgumentList.Add(smtpUtf8 ? "1" : "0");
        if (tls is var (certificate, user, password))
        {
            // The key exists only for this run, in the server's own temporary folder.
            var certPath = Path.Combine(folder, "server.pem");
            var keyPath = Path.Combine(folder, "server.key");
            await File.WriteAllTextAsync(certPath, certificate.ServerCertificate.ExportCertificatePem());
            await File.WriteAllTextAsync(keyPath, certificate.PrivateKeyPem);
            start.ArgumentList.Add(certPath);
            start.ArgumentList.Add(keyPath);
            start.ArgumentList.Add(user);
            start.ArgumentList.Add(password);
        }
        start.Environment.Remove("PYTHONPATH");
        start.Environment["REJECT_SENDER_FILE"] = Path.Combine(folder, "reject-sender");
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        if (deferTimes is { } times)
            start.Environment["DEFER_TIMES"] = times.ToString(invariant);
        if (throttleEvery is { } every)
            start.Environment["THROTTLE_EVERY"] = every.ToString(invariant);
        if (slow is { } slowly)
            start.Environment["SLOW_SECONDS"] = slowly.TotalSeconds.ToString(invariant);
        if (late is { } lately)
            start.Environment["LATE_SECONDS"] = lately.TotalSeconds.ToString(invariant);
        var process = Process.Start(start)!;
        process.BeginErrorReadLine();
        var ready = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (ready != "ready")
            throw new InvalidOperationException("aiosmtpd did not start (is python3-aiosmtpd installed?)");
        return new Aiosmtpd(process, folder, port);
    }

    public IReadOnlyList<ReceivedMessage> Messages() =>
        Directory.GetFiles(_folder, "*.eml")
            .Select(eml =>
            {
                using var envelope = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(eml, ".json")));
                var root = envelope.RootElement;
                return new ReceivedMessage(
                    root.GetProperty("mail_from").GetString()!,
                    root.GetProperty("rcpt_tos").EnumerateArray().Select(r => r.GetString()!).ToList(),
                    root.GetProperty("mail_options").EnumerateArray().Select(r => r.GetString()!).ToList(),
                    root.GetProperty("tls").GetBoolean(),
                    root.GetProperty("user").GetString(),
                    File.ReadAllBytes(eml));
            })
            .ToList();

    /// <summary>Every MAIL, RCPT and final-dot reply so far, in order; code 0: a final dot not answered yet (a "late…" one).</summary>
    public IReadOnlyList<RelayAttempt> Attempts()
    {
        var log = Path.Combine(_folder, "attempts.log");
        return !File.Exists(log) ? [] : File.ReadAllLines(log)
            .Select(line => line.Split(' '))
            .Select(parts => new RelayAttempt(parts[0], string.Join(' ', parts[1..^1]), int.Parse(parts[^1], System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
    }

    public async Task<IReadOnlyList<ReceivedMessage>> WaitForMessagesAsync(int count)
    {
        await WaitFor.ConditionAsync(() => Task.FromResult(Directory.GetFiles(_folder, "*.eml").Length >= count), TimeSpan.FromSeconds(30));
        return Messages();
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(5000))
                _process.Kill(entireProcessTree: true);
        }
        finally
        {
            _process.Dispose();
            Directory.Delete(_folder, recursive: true);
        }
    }
}

public sealed record ReceivedMessage(string MailFrom, IReadOnlyList<string> RcptTo, IReadOnlyList<string> MailOptions, bool Tls, string? User, byte[] Content);

/// <summary>One reply the relay gave: to MAIL (the sender), RCPT (a recipient) or DATA (the final dot; the recipients accepted).</summary>
public sealed record RelayAttempt(string Command, string Address, int Code);
