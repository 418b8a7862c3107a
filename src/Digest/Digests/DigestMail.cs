using System.Text;
using Digest.Templates;

namespace Digest.Digests;

/// <summary>
/// A digest mail as it is sent: its subject, and its HTML and text already as UTF-8, which is what
/// the mail writer encodes from (a 37 KB HTML body is not made a string to be encoded again).
/// </summary>
public sealed record DigestMail(string Subject, byte[] HtmlUtf8, byte[] TextUtf8)
{
    public string Html => Encoding.UTF8.GetString(HtmlUtf8);

    public string Text => Encoding.UTF8.GetString(TextUtf8);

    /// <summary>The mail as text, as the templates render it whole.</summary>
    public RenderedEmail Decoded() => new(Subject, Html, Text);

    /// <exception cref="EncoderFallbackException">The rendering is not Unicode (an unpaired surrogate).</exception>
    public static DigestMail Of(RenderedEmail email) =>
        new(email.Subject, SharedDigest.StrictUtf8.GetBytes(email.Html), SharedDigest.StrictUtf8.GetBytes(email.Text));
}
