using Microsoft.Extensions.Options;

namespace Digest.Templates;

public sealed class TemplateOptions
{
    public const string Section = "Templates";

    /// <summary>A folder of .hbs files that replace shipped templates of the same name (e.g. pages/subscribe.hbs).</summary>
    public string? Folder { get; set; }
}

/// <summary>Loads every template at start, so that a broken override stops the service with its file, line and reason.</summary>
internal sealed class TemplateOptionsValidation : IValidateOptions<TemplateOptions>
{
    public ValidateOptionsResult Validate(string? name, TemplateOptions options)
    {
        try
        {
            TemplateCatalog.Load(options.Folder);
            return ValidateOptionsResult.Success;
        }
        catch (TemplateException e)
        {
            return ValidateOptionsResult.Fail($"{TemplateOptions.Section}:Folder: {e.Message}");
        }
    }
}
