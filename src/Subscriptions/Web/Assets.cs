using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Digest.Subscriptions.Web;

/// <summary>The stylesheet and script the pages load (Web/Assets, embedded): files, so the CSP needs no 'unsafe-inline'.</summary>
internal static class Assets
{
    static readonly Dictionary<string, (byte[] Content, string ContentType)> Files = Load();

    public static Results<FileContentHttpResult, NotFound> Get(string name, HttpResponse response)
    {
        if (!Files.TryGetValue(name, out var file))
            return TypedResults.NotFound();
        response.Headers.CacheControl = "public, max-age=3600";
        return TypedResults.File(file.Content, file.ContentType);
    }

    static Dictionary<string, (byte[], string)> Load()
    {
        const string Prefix = "assets/";
        var assembly = typeof(Assets).Assembly;
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            var name = resource[Prefix.Length..];
            var type = Path.GetExtension(name) switch
            {
                ".css" => "text/css; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                _ => "application/octet-stream",
            };
            files[name] = (memory.ToArray(), type);
        }
        return files;
    }
}
