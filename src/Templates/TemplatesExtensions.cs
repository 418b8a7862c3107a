using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Digest.Templates;

public static class TemplatesExtensions
{
    /// <summary>The template renderer; its templates (and the operator's overrides) are checked at start.</summary>
    public static IHostApplicationBuilder AddTemplates(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TemplateOptions>().BindConfiguration(TemplateOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<TemplateOptions>, TemplateOptionsValidation>();
        builder.Services.AddSingleton<TemplateRenderer>();
        return builder;
    }
}
