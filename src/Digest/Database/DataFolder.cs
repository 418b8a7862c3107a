using Microsoft.Extensions.Configuration;

namespace Digest.Database;

/// <summary>Where the service keeps what it owns on disk: the embedded cluster, and the mail pickup folder.</summary>
public static class DataFolder
{
    public const string ConfigurationKey = "Digest:DataDir";

    /// <summary>
    /// Digest:DataDir when set; otherwise the user's local data folder. Root's home is closed to
    /// the 'postgres' user the embedded server must run as, so root gets /var/lib/digest instead.
    /// </summary>
    public static string Resolve(IConfiguration configuration)
    {
        var configured = configuration[ConfigurationKey];
        if (!string.IsNullOrWhiteSpace(configured))
            return Path.GetFullPath(configured);
        if (Environment.IsPrivilegedProcess)
            return "/var/lib/digest";
        var local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        return Path.Combine(string.IsNullOrEmpty(local) ? Path.GetTempPath() : local, "digest");
    }
}
