using Digest.Subscriptions.Web;

namespace Digest.Digests;

public static class DigestsExtensions
{
    /// <summary>The digest: its renderer and the reader of issues. Needs AddSubscriptions and AddTemplates.</summary>
    public static IHostApplicationBuilder AddDigests(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DigestRenderer>();
        builder.Services.AddSingleton<IssueReader>();
        return builder;
    }

    /// <summary>/issues/{token}, the view-in-browser page, with the pages' security headers.</summary>
    public static IEndpointRouteBuilder MapDigestsEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var pages = endpoints.MapGroup("").AddEndpointFilter<SecurityHeaders.Filter>();
        IssuePage.Map(pages);
        return endpoints;
    }
}
