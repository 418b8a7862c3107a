using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Digest.Tests.Papers.Harness;

/// <summary>Keeps every log line with its structured properties, so a test can assert on {Source}, {Item}, {Rule}.</summary>
public sealed class LogCapture : ILoggerProvider
{
    readonly ConcurrentQueue<LogLine> _lines = new();

    public IReadOnlyList<LogLine> Lines => _lines.ToList();

    public IReadOnlyList<LogLine> Rejections => Lines.Where(l => l.Message.StartsWith("Rejected ", StringComparison.Ordinal)).ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var properties = state as IEnumerable<KeyValuePair<string, object?>> ?? [];
            capture._lines.Enqueue(new LogLine(logLevel, category, formatter(state, exception),
                properties.Where(p => p.Key != "{OriginalFormat}").ToDictionary(p => p.Key, p => p.Value?.ToString())));
        }
    }
}

public sealed record LogLine(LogLevel Level, string Category, string Message, IReadOnlyDictionary<string, string?> Properties)
{
    public string? this[string property] => Properties.GetValueOrDefault(property);

    public override string ToString() => $"{Level}: {Message}";
}
