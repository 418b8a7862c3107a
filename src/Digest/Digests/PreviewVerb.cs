using System.CommandLine;

namespace Digest.Digests;

internal static class PreviewVerb
{
    public static Command Create() => new("preview", "Render a subscriber's next digest to a file and print its path.");
}
