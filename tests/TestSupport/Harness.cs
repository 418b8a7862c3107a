using System.Diagnostics;

namespace Digest.TestSupport;

/// <summary>How a harness (smtp-sink, Dovecot, Postfix) stops: its process tree killed, its temp folder removed.</summary>
internal static class Harness
{
    public static void Stop(Process process, string folder)
    {
        if (!process.HasExited)
            process.Kill(entireProcessTree: true);
        process.WaitForExit(5000);
        process.Dispose();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
