namespace Digest.Mailer.Mime;

/// <summary>
/// The body as a tree: a text part, or a multipart of parts. Today a message is one text part or
/// multipart/alternative (text, then HTML); inline images will wrap the HTML in multipart/related.
/// </summary>
internal abstract record MimeEntity;

/// <param name="Subtype">plain or html.</param>
/// <param name="Text">The text as a string, or null when it came as <paramref name="Utf8"/>.</param>
/// <param name="Utf8">The text already as UTF-8 (used when <paramref name="Text"/> and <paramref name="Encoded"/> are null).</param>
/// <param name="Field">The EmailMessage property the text came from, for error messages.</param>
/// <param name="Encoded">The text already quoted-printable, written as it is.</param>
internal sealed record TextEntity(string Subtype, string? Text, ReadOnlyMemory<byte> Utf8, string Field, QuotedPrintableBody? Encoded = null) : MimeEntity;

internal sealed record MultipartEntity(string Subtype, IReadOnlyList<MimeEntity> Parts) : MimeEntity;
