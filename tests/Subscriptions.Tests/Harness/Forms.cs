using System.Net;
using System.Text.RegularExpressions;

namespace Digest.Subscriptions.Tests.Harness;

/// <summary>Fills in the service's forms as a browser would: GET the page (cookie and hidden token), then POST.</summary>
public static partial class Forms
{
    public const string AntiforgeryField = "__RequestVerificationToken";

    /// <summary>A valid subscribe form for the address; override any field by name.</summary>
    public static Dictionary<string, string> Subscribe(string email, string topics = "diffusion models", params (string Field, string Value)[] overrides)
    {
        var fields = new Dictionary<string, string>
        {
            ["email"] = email,
            ["topics"] = topics,
            ["frequency"] = "daily",
            ["weekday"] = "1",
            ["hour"] = "7",
            ["zone"] = "Europe/Paris",
        };
        foreach (var (field, value) in overrides)
            fields[field] = value;
        return fields;
    }

    /// <summary>The antiforgery token of the page's first form; the client keeps the matching cookie.</summary>
    public static async Task<string> TokenAsync(HttpClient client, string path = "/subscribe")
    {
        var html = await client.GetStringAsync(new Uri(path, UriKind.Relative));
        return HiddenToken().Match(html) is { Success: true } match
            ? WebUtility.HtmlDecode(match.Groups["token"].Value)
            : throw new InvalidOperationException($"No antiforgery field on {path}");
    }

    /// <summary>Posts the fields with the antiforgery token of the page at <paramref name="formPage"/>.</summary>
    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, IEnumerable<KeyValuePair<string, string>> fields, string? formPage = null)
    {
        var token = await TokenAsync(client, formPage ?? path);
        return await PostWithTokenAsync(client, path, fields, token);
    }

    public static Task<HttpResponseMessage> PostWithTokenAsync(HttpClient client, string path, IEnumerable<KeyValuePair<string, string>> fields, string? token)
    {
        var all = fields.ToList();
        if (token is not null)
            all.Add(new(AntiforgeryField, token));
        return client.PostAsync(new Uri(path, UriKind.Relative), new FormUrlEncodedContent(all));
    }

    /// <summary>Subscribes through the form and checks the answer is the usual redirect.</summary>
    public static async Task SubscribeAsync(HttpClient client, string email, string topics = "diffusion models", params (string Field, string Value)[] overrides)
    {
        using var response = await PostAsync(client, "/subscribe", Subscribe(email, topics, overrides));
        if (response.StatusCode != HttpStatusCode.Redirect)
            throw new InvalidOperationException($"Subscribing {email} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"(?<token>[^\"]+)\"")]
    private static partial Regex HiddenToken();
}
