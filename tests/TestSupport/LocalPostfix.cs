using System.Diagnostics;

namespace Digest.TestSupport;

/// <summary>
/// A throwaway Postfix (Debian's master and daemons, its own main.cf/master.cf and queue in a temp
/// folder, no listener) that delivers mail.example.org locally and relays everything else to an
/// smtp-sink. Mail to an unknown local user is bounced by Postfix's own bounce daemon, so
/// <see cref="BounceAsync"/> returns a real Postfix DSN as it would reach the envelope sender.
/// Postfix's master must start as root (it drops to the postfix user).
/// </summary>
public sealed class LocalPostfix : IDisposable
{
    public const string LocalDomain = "mail.example.org";

    readonly string _folder;
    readonly SmtpSink _sink;
    readonly Process _master;
    bool _disposed;

    LocalPostfix(string folder, SmtpSink sink, Process master)
    {
        _folder = folder;
        _sink = sink;
        _master = master;
    }

    public static bool CanRun => Environment.IsPrivilegedProcess && File.Exists("/usr/lib/postfix/sbin/master");

    public static async Task<LocalPostfix> StartAsync()
    {
        if (!CanRun)
            throw new InvalidOperationException("A local Postfix needs root and the postfix package (/usr/lib/postfix/sbin/master).");
        var sink = await SmtpSink.StartAsync();
        var folder = Path.Combine(Path.GetTempPath(), "digest-postfix-" + Guid.NewGuid().ToString("N"));
        var conf = Path.Combine(folder, "conf");
        var queue = Path.Combine(folder, "queue");
        var data = Path.Combine(folder, "data");
        Directory.CreateDirectory(conf);
        Directory.CreateDirectory(data);
        await File.WriteAllTextAsync(Path.Combine(conf, "main.cf"), $"""
            compatibility_level = 3.6
            queue_directory = {queue}
            data_directory = {data}
            command_directory = /usr/sbin
            daemon_directory = /usr/lib/postfix/sbin
            mail_owner = postfix
            setgid_group = postdrop
            myhostname = {LocalDomain}
            mydomain = example.org
            myorigin = {LocalDomain}
            mydestination = {LocalDomain}
            inet_interfaces = loopback-only
            inet_protocols = ipv4
            relayhost = [127.0.0.1]:{sink.Port}
            alias_maps =
            alias_database =
            local_recipient_maps =
            biff = no
            smtputf8_enable = no
            smtp_tls_security_level = none
            maillog_file = {folder}/maillog
            maillog_file_prefixes = {folder}
            """);
        // No chroot, no smtpd: only what a local submission, a local delivery and a bounce need.
        await File.WriteAllTextAsync(Path.Combine(conf, "master.cf"), """
            pickup    unix  n       -       n       1       1       pickup
            cleanup   unix  n       -       n       -       0       cleanup
            qmgr      unix  n       -       n       300     1       qmgr
            rewrite   unix  -       -       n       -       -       trivial-rewrite
            bounce    unix  -       -       n       -       0       bounce
            defer     unix  -       -       n       -       0       bounce
            trace     unix  -       -       n       -       0       bounce
            verify    unix  -       -       n       -       1       verify
            flush     unix  n       -       n       1000?   0       flush
            proxymap  unix  -       -       n       -       -       proxymap
            smtp      unix  -       -       n       -       -       smtp
            relay     unix  -       -       n       -       -       smtp
            showq     unix  n       -       n       -       -       showq
            error     unix  -       -       n       -       -       error
            retry     unix  -       -       n       -       -       error
            discard   unix  -       -       n       -       -       discard
            local     unix  -       n       n       -       -       local
            anvil     unix  -       -       n       -       1       anvil
            scache    unix  -       -       n       -       1       scache
            postlog   unix-dgram n  -       n       -       1       postlogd
            """);
        // The queue layout postfix-install would make: the postfix user's, maildrop and public writable by postdrop.
        foreach (var name in new[] { "incoming", "active", "deferred", "bounce", "defer", "flush", "hold", "corrupt", "private", "saved", "trace" })
            await MakeAsync(Path.Combine(queue, name), "postfix", "700");
        await MakeAsync(Path.Combine(queue, "pid"), "root", "755");
        await MakeAsync(Path.Combine(queue, "maildrop"), "postfix:postdrop", "730");
        await MakeAsync(Path.Combine(queue, "public"), "postfix:postdrop", "710");
        await RunAsync("chown", "postfix", data);
        File.SetUnixFileMode(folder, (UnixFileMode)0x1ED);
        File.SetUnixFileMode(queue, (UnixFileMode)0x1ED);

        var master = Process.Start(new ProcessStartInfo("/usr/lib/postfix/sbin/master")
        {
            ArgumentList = { "-c", conf, "-d" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("postfix master did not start");
        master.BeginOutputReadLine();
        master.BeginErrorReadLine();
        var postfix = new LocalPostfix(folder, sink, master);
        // Ready when its pickup service's socket exists.
        if (!await WaitFor.ConditionAsync(() => Task.FromResult(File.Exists(Path.Combine(queue, "public", "pickup")) || master.HasExited), TimeSpan.FromSeconds(30))
            || master.HasExited)
        {
            var log = postfix.Log;
            postfix.Dispose();
            throw new InvalidOperationException("postfix master did not come up:\n" + log);
        }
        return postfix;
    }

    public string Log => File.Exists(Path.Combine(_folder, "maillog")) ? File.ReadAllText(Path.Combine(_folder, "maillog")) : "";

    /// <summary>
    /// Submits <paramref name="message"/> from <paramref name="envelopeSender"/> to a user that does
    /// not exist here, and returns the DSN Postfix sends back to the envelope sender (LF line ends).
    /// </summary>
    public async Task<string> BounceAsync(string envelopeSender, string unknownUser, string message)
    {
        var before = _sink.Messages().Count;
        var sendmail = Process.Start(new ProcessStartInfo("/usr/sbin/sendmail")
        {
            ArgumentList = { "-C", Path.Combine(_folder, "conf"), "-f", envelopeSender, $"{unknownUser}@{LocalDomain}" },
            RedirectStandardInput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        await sendmail.StandardInput.WriteAsync(message.ReplaceLineEndings("\n"));
        sendmail.StandardInput.Close();
        var error = await sendmail.StandardError.ReadToEndAsync();
        await sendmail.WaitForExitAsync();
        if (sendmail.ExitCode != 0)
            throw new InvalidOperationException($"sendmail exited {sendmail.ExitCode}: {error}");
        var messages = await _sink.WaitForMessagesAsync(before + 1, TimeSpan.FromSeconds(60));
        if (messages.Count <= before)
            throw new InvalidOperationException("Postfix sent no bounce:\n" + Log);
        return messages[before].Message;
    }

    static async Task MakeAsync(string path, string owner, string mode)
    {
        Directory.CreateDirectory(path);
        await RunAsync("chown", owner, path);
        await RunAsync("chmod", mode, path);
    }

    static async Task RunAsync(string program, string argument, string path)
    {
        using var process = Process.Start(new ProcessStartInfo(program) { ArgumentList = { argument, path }, UseShellExecute = false })!;
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {argument} {path} failed");
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        Harness.Stop(_master, _folder);
        _sink.Dispose();
    }
}
