using System.Diagnostics;
using System.Text;

namespace Digest.TestSupport;

/// <summary>
/// Debian's Dovecot as a throwaway IMAP server on a free loopback port: its own configuration,
/// state and Maildir in a temp folder, one passwd-file user, plain text (loopback only, ssl = no).
/// Mail is put in as a local delivery agent would: a file in the user's Maildir new/, byte for byte.
/// As root, Dovecot's own users run it (dovecot, dovenull) and the mail belongs to nobody.
/// </summary>
public sealed class Dovecot : IDisposable
{
    public const string User = "bounces";
    public const string Password = "throwaway-test-password";

    readonly Process _process;
    readonly string _folder;
    int _delivered;

    Dovecot(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }
    public static string Host => "127.0.0.1";

    /// <summary>The user's Maildir (INBOX).</summary>
    public string Maildir => Path.Combine(_folder, "mail", User);

    public static async Task<Dovecot> StartAsync()
    {
        var program = Programs.Require("dovecot", "dovecot-imapd");
        var folder = Path.Combine(Path.GetTempPath(), "digest-dovecot-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var port = FreePort.Next();
        var root = Environment.IsPrivilegedProcess;
        var me = Environment.UserName;
        var (uid, gid) = root ? (65534, 65534) : (Id("-u"), Id("-g"));
        foreach (var sub in new[] { "run", "state", "mail", Path.Combine("mail", User), "home" })
        {
            Directory.CreateDirectory(Path.Combine(folder, sub));
            // Dovecot's processes run as other users than the test; they must reach and write these.
            File.SetUnixFileMode(Path.Combine(folder, sub), (UnixFileMode)0x1FF);
        }
        File.SetUnixFileMode(folder, (UnixFileMode)0x1ED); // 0755
        foreach (var sub in new[] { "new", "cur", "tmp" })
        {
            var path = Path.Combine(folder, "mail", User, sub);
            Directory.CreateDirectory(path);
            File.SetUnixFileMode(path, (UnixFileMode)0x1FF);
        }
        await File.WriteAllTextAsync(Path.Combine(folder, "passwd"), $"{User}:{{PLAIN}}{Password}::::::\n");
        var config = $$"""
            base_dir = {{folder}}/run
            state_dir = {{folder}}/state
            log_path = {{folder}}/dovecot.log
            protocols = imap
            listen = 127.0.0.1
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            default_internal_user = {{(root ? "dovecot" : me)}}
            default_internal_group = {{(root ? "dovecot" : me)}}
            default_login_user = {{(root ? "dovenull" : me)}}
            first_valid_uid = 1
            mail_location = maildir:{{folder}}/mail/%u
            passdb {
              driver = passwd-file
              args = scheme=PLAIN {{folder}}/passwd
            }
            userdb {
              driver = static
              args = uid={{uid}} gid={{gid}} home={{folder}}/home/%u
            }
            service imap-login {
              inet_listener imap {
                address = 127.0.0.1
                port = {{port}}
              }
              inet_listener imaps {
                port = 0
              }
            }
            service anvil {
              chroot =
            }
            service imap-login {
              chroot =
            }
            """;
        var configPath = Path.Combine(folder, "dovecot.conf");
        await File.WriteAllTextAsync(configPath, config);
        var start = new ProcessStartInfo(program)
        {
            ArgumentList = { "-F", "-c", configPath },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("dovecot did not start");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var dovecot = new Dovecot(process, folder, port);
        try
        {
            await FreePort.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(20), () => process.HasExited);
        }
        catch (Exception e)
        {
            var log = File.Exists(Path.Combine(folder, "dovecot.log")) ? await File.ReadAllTextAsync(Path.Combine(folder, "dovecot.log")) : "";
            dovecot.Dispose();
            lock (output)
                throw new InvalidOperationException($"dovecot did not listen on {port}: {e.Message}\n{output}\n{log}", e);
        }
        return dovecot;
    }

    /// <summary>Delivers a message into INBOX exactly as given (a Maildir file in new/, written whole then renamed).</summary>
    public void Deliver(byte[] message)
    {
        var name = $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.T{Interlocked.Increment(ref _delivered)}.digest-test";
        var temporary = Path.Combine(Maildir, "tmp", name);
        File.WriteAllBytes(temporary, message);
        File.SetUnixFileMode(temporary, (UnixFileMode)0x1B6); // 0666: Dovecot's mail user renames and flags it
        File.Move(temporary, Path.Combine(Maildir, "new", name));
    }

    public void Deliver(string message) => Deliver(Encoding.UTF8.GetBytes(message.ReplaceLineEndings("\r\n")));

    public string Log => File.Exists(Path.Combine(_folder, "dovecot.log")) ? File.ReadAllText(Path.Combine(_folder, "dovecot.log")) : "";

    static int Id(string flag)
    {
        using var id = Process.Start(new ProcessStartInfo("id", flag) { RedirectStandardOutput = true, UseShellExecute = false })!;
        var text = id.StandardOutput.ReadToEnd();
        id.WaitForExit();
        return int.Parse(text.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    bool _disposed;

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        Harness.Stop(_process, _folder);
    }
}
