using Digest.Subscriptions.Confirm;
using Digest.Subscriptions.Emails;
using Digest.Subscriptions.Filters;
using Digest.Subscriptions.Housekeeping;
using Digest.Subscriptions.Import;
using Digest.Subscriptions.Links;
using Digest.Subscriptions.Manage;
using Digest.Subscriptions.Outbox;
using Digest.Subscriptions.Site;
using Digest.Subscriptions.Subscribe;
using Digest.Subscriptions.Suppression;
using Digest.Subscriptions.Unsubscribe;
using Digest.Subscriptions.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Digest.Subscriptions;

public static class SubscriptionsExtensions
{
    /// <summary>
    /// Subscribers, topics, links and the transactional outbox with its delivery worker. Needs the
    /// NpgsqlDataSource, the templates and an IMailTransport; the host must use the rate limiter
    /// (app.UseRateLimiter()).
    /// </summary>
    public static IHostApplicationBuilder AddSubscriptions(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);

        services.AddOptions<SiteOptions>().BindConfiguration(SiteOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SiteOptions>, SiteOptionsValidation>();
        services.AddOptions<SubscriptionsOptions>().BindConfiguration(SubscriptionsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        services.AddDataProtection().SetApplicationName("digest");
        services.AddOptions<KeyManagementOptions>().Configure<NpgsqlDataSource>((options, dataSource) =>
            options.XmlRepository = new DataProtectionKeys(dataSource));
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "digest-antiforgery";
            options.Cookie.SameSite = SameSiteMode.Strict;
            // The pages send X-Frame-Options: DENY and frame-ancestors 'none' themselves.
            options.SuppressXFrameOptionsHeader = true;
        });
        services.AddRateLimiter(RateLimits.Configure);

        // Tokens travel in URL paths (that is what a link in a mail is), so the framework's
        // categories that log request URLs and redirect targets never log below Warning,
        // whatever the configuration says.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Http.Result", LogLevel.Warning);

        services.AddSingleton<PublicSite>();
        services.AddSingleton<LinkKey>();
        services.AddSingleton<SubscriptionLinks>();
        services.AddSingleton<ReturnPaths>();
        services.AddSingleton<Pages>();
        services.AddSingleton<LinkGuessLimit>();
        services.AddSingleton<TransactionalMail>();
        services.AddSingleton<TransactionalOutbox>();
        services.AddSingleton<OutboxDelivery>();
        services.AddSingleton<SignUp>();
        services.AddSingleton<PreviewGate>();
        services.AddSingleton<Housekeeping.Housekeeping>();
        services.AddSingleton<SubscriberImport>();
        services.AddSingleton<SubscriberExport>();
        services.AddSingleton<Suppressions>();
        services.AddHostedService<OutboxWorker>();
        services.AddHostedService<HousekeepingService>();
        return builder;
    }

    /// <summary>The pages (/subscribe, /confirm, /manage, /unsubscribe, /categories), the preview API and the pages' assets.</summary>
    public static IEndpointRouteBuilder MapSubscriptionsEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var pages = endpoints.MapGroup("").AddEndpointFilter<SecurityHeaders.Filter>();
        SubscribeEndpoints.Map(pages);
        ConfirmEndpoints.Map(pages);
        ManageEndpoints.Map(pages);
        UnsubscribeEndpoints.Map(pages);
        PreviewEndpoint.Map(pages);
        CategoriesPage.Map(pages);
        pages.MapGet("/assets/{name}", Assets.Get);
        pages.MapFallback("{*path}", NotFound);
        return endpoints;
    }

    static ContentHttpResult NotFound(Pages pages) =>
        pages.Error(StatusCodes.Status404NotFound, "Page not found", "There is nothing at this address. The day's trending papers are on the home page.");
}
