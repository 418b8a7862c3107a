namespace Digest.Database.Embedded;

/// <summary>The embedded PostgreSQL cluster could not be prepared, started or stopped; the message says why and what to do.</summary>
public sealed class EmbeddedPostgresException : Exception
{
    public EmbeddedPostgresException(string message) : base(message) { }
    public EmbeddedPostgresException(string message, Exception inner) : base(message, inner) { }
}
