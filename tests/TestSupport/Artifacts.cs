using NUnit.Framework;

namespace Digest.TestSupport;

/// <summary>Files a test leaves for people to look at (screenshots, rendered mail): artifacts/ at the repository root.</summary>
public static class Artifacts
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Folder(string kind)
    {
        var folder = Path.Combine(RepositoryRoot, "artifacts", kind);
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>A path for an artifact; the file is also attached to the current test's result.</summary>
    public static string PathFor(string kind, string fileName) => Path.Combine(Folder(kind), fileName);

    public static void Attach(string path, string? description = null)
    {
        if (File.Exists(path))
            TestContext.AddTestAttachment(path, description);
    }

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Digest.sln")))
                return dir.FullName;
        }
        return Directory.GetCurrentDirectory();
    }
}
