using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Digest.Admin;

/// <summary>Admin:* — the operator console. Off (its pages answer 404) until a password hash is set.</summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    /// <summary>What <c>digest admin hash-password</c> prints; never the password itself.</summary>
    public string? PasswordHash { get; set; }

    /// <summary>Failed sign-ins in a row from one address before it is locked out.</summary>
    [Range(1, 100)]
    public int MaxFailedSignIns { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a sign-in lasts.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    public bool Enabled => !string.IsNullOrWhiteSpace(PasswordHash);
}

/// <summary>A hash that is set must be one the console can check, or the service does not start.</summary>
internal sealed class AdminOptionsValidation : IValidateOptions<AdminOptions>
{
    public ValidateOptionsResult Validate(string? name, AdminOptions options) =>
        !options.Enabled || AdminPassword.TryParse(options.PasswordHash!, out _)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{AdminOptions.Section}:PasswordHash is not a hash made by 'digest admin hash-password' (it starts with {AdminPassword.Scheme}$).");
}
