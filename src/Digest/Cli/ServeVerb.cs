namespace Digest.Cli;

internal static class ServeVerb
{
    public static async Task<int> RunAsync(string[] hostArgs)
    {
        await using var app = await DigestHost.BuildAsync(hostArgs);
        await app.StartAsync();
        foreach (var url in app.Urls)
            Console.WriteLine($"Digest is running at {url}  (Ctrl-C stops it)");
        await app.WaitForShutdownAsync();
        return 0;
    }
}
