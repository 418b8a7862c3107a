using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Digest.Mailer.Bounces;
using Digest.Mailer.Dkim;
using Digest.Mailer.Smtp;
using Microsoft.Extensions.Options;

namespace Digest.Mailer;

/// <summary>
/// What data annotations cannot see: each relay (they do not recurse into lists), rules that
/// span settings, and the DKIM key file. Runs at start, so a bad setting stops the service with
/// the key's name instead of failing the first send.
/// </summary>
internal sealed class MailerOptionsValidation : IValidateOptions<MailerOptions>
{
    public ValidateOptionsResult Validate(string? name, MailerOptions options)
    {
        var errors = new List<string>();
        if (options.Relays.Count == 0 && string.IsNullOrWhiteSpace(options.PickupFolder))
            errors.Add($"{MailerOptions.Section}: configure Relays (SMTP) or PickupFolder (files).");
        if (options.RelayRetryAfter <= TimeSpan.Zero)
            errors.Add($"{MailerOptions.Section}:RelayRetryAfter must be positive.");
        if (options.SenderRefusedRetryAfter <= TimeSpan.Zero)
            errors.Add($"{MailerOptions.Section}:SenderRefusedRetryAfter must be positive.");
        for (var i = 0; i < options.Relays.Count; i++)
            ValidateRelay($"{MailerOptions.Section}:Relays:{i}", options.Relays[i], errors);
        ValidateDkim(options.Dkim, errors);
        ValidateBounces(options.Bounces, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    static void ValidateRelay(string key, RelayOptions relay, List<string> errors)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(relay, new ValidationContext(relay), results, validateAllProperties: true);
        errors.AddRange(results.Select(r => $"{key}:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}"));
        if (!string.IsNullOrEmpty(relay.UserName))
        {
            if (relay.Password is null)
                errors.Add($"{key}:Password is needed with UserName.");
            if (relay.Tls == TlsMode.None && !relay.AllowPlaintextAuth)
                errors.Add($"{key}: UserName is set but Tls is None, so the password would cross the network in plain text. Use Tls Required or Implicit, or set AllowPlaintextAuth for a relay on this host.");
        }
        if (!string.IsNullOrEmpty(relay.TrustedCertificatePath) && !File.Exists(relay.TrustedCertificatePath))
            errors.Add($"{key}:TrustedCertificatePath: {relay.TrustedCertificatePath} does not exist.");
        if (relay.IdleTimeout <= TimeSpan.Zero)
            errors.Add($"{key}:IdleTimeout must be positive.");
        var timeouts = relay.Timeouts;
        foreach (var (timeout, label) in new[]
                 {
                     (timeouts.Connect, "Connect"), (timeouts.Greeting, "Greeting"), (timeouts.Mail, "Mail"), (timeouts.Rcpt, "Rcpt"),
                     (timeouts.Data, "Data"), (timeouts.DataBlock, "DataBlock"), (timeouts.FinalDot, "FinalDot"), (timeouts.Command, "Command"),
                 })
        {
            if (timeout <= TimeSpan.Zero)
                errors.Add($"{key}:Timeouts:{label} must be positive.");
        }
    }

    static void ValidateDkim(DkimOptions dkim, List<string> errors)
    {
        const string Key = $"{MailerOptions.Section}:Dkim";
        if (!dkim.Enabled)
        {
            if (!string.IsNullOrWhiteSpace(dkim.Domain) || !string.IsNullOrWhiteSpace(dkim.Selector))
                errors.Add($"{Key}: Domain and Selector are set but PrivateKeyPath is not; set it to sign, or remove them.");
            return;
        }
        if (string.IsNullOrWhiteSpace(dkim.Domain) || string.IsNullOrWhiteSpace(dkim.Selector))
        {
            errors.Add($"{Key}: Domain and Selector are needed with PrivateKeyPath.");
            return;
        }
        if (!File.Exists(dkim.PrivateKeyPath))
        {
            errors.Add($"{Key}:PrivateKeyPath: {dkim.PrivateKeyPath} does not exist.");
            return;
        }
        try
        {
            using var signer = DkimSigner.FromPemFile(dkim.Domain, dkim.Selector, dkim.PrivateKeyPath!);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException or IOException or UnauthorizedAccessException)
        {
            errors.Add($"{Key}: {e.Message}");
        }
    }

    static void ValidateBounces(BounceOptions bounces, List<string> errors)
    {
        const string Key = $"{MailerOptions.Section}:Bounces";
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(bounces, new ValidationContext(bounces), results, validateAllProperties: true);
        Validator.TryValidateObject(bounces.Mailbox, new ValidationContext(bounces.Mailbox), results, validateAllProperties: true);
        errors.AddRange(results.Select(r => $"{Key}:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}"));
        if (bounces.Enabled)
        {
            if (!MailboxAddress.TryParse(bounces.Address!, out var address, out var problem))
                errors.Add($"{Key}:Address: {problem}");
            else if (address.LocalPart.Length + 1 + BounceOptions.MaxTokenLength > 64)
                // RFC 5321 4.5.3.1.1: a local part is at most 64 octets, and the token goes into it.
                errors.Add($"{Key}:Address: the local part '{address.LocalPart}' leaves no room for the {BounceOptions.MaxTokenLength}-character token (64 octets at most in all); use a shorter one, e.g. bounces@…");
            else if (address.LocalPart.Contains('+', StringComparison.Ordinal))
                errors.Add($"{Key}:Address: give the base address without a '+' (the token is added after one).");
        }
        else if (bounces.Mailbox.Configured)
            errors.Add($"{Key}:Mailbox is set but Address is not: mail would not come back to that mailbox. Set Address too.");
        var mailbox = bounces.Mailbox;
        if (mailbox.Configured)
        {
            if (string.IsNullOrEmpty(mailbox.User) || mailbox.Password is null)
                errors.Add($"{Key}:Mailbox: User and Password are needed with Host.");
            if (mailbox.Timeout <= TimeSpan.Zero)
                errors.Add($"{Key}:Mailbox:Timeout must be positive.");
            if (mailbox.Tls == TlsMode.None && !IsLoopback(mailbox.Host!))
                errors.Add($"{Key}:Mailbox:Tls is None for {mailbox.Host}: the password would cross the network in plain text. Use Implicit (993) or Required (STARTTLS).");
        }
    }

    static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (System.Net.IPAddress.TryParse(host, out var ip) && System.Net.IPAddress.IsLoopback(ip));
}
