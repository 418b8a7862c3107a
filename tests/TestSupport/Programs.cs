namespace Digest.TestSupport;

/// <summary>Finds the machine programs the tests drive, with a message naming the package when one is missing.</summary>
public static class Programs
{
    static readonly string[] ExtraDirectories = ["/usr/sbin", "/usr/bin", "/usr/local/bin"];

    public static string Require(string program, string debianPackage)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Concat(ExtraDirectories)
            .Select(d => Path.Combine(d, program))
            .FirstOrDefault(File.Exists);
        return path ?? throw new InvalidOperationException(
            $"{program} is not installed: apt-get install {debianPackage} (the test command installs it for you).");
    }
}
