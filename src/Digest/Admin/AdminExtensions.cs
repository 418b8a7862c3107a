using Microsoft.Extensions.Options;

namespace Digest.Admin;

public static class AdminExtensions
{
    /// <summary>The operator console (Admin:*). Needs AddSubscriptions (pages, antiforgery, data protection) and AddDigests (stats).</summary>
    public static IHostApplicationBuilder AddAdmin(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<AdminOptions>, AdminOptionsValidation>();
        services.AddSingleton<AdminSession>();
        services.AddSingleton<SignInGuard>();
        services.AddSingleton<ConsolePages>();
        return builder;
    }

    /// <summary>/admin, when Admin:PasswordHash is set; nothing at all otherwise.</summary>
    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder endpoints)
    {
        if (endpoints.ServiceProvider.GetRequiredService<IOptions<AdminOptions>>().Value.Enabled)
            AdminEndpoints.Map(endpoints);
        return endpoints;
    }
}
