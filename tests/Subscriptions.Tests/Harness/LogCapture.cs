using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Digest.Subscriptions.Tests.Harness;

/// <summary>Every log line the service writes (at the levels its configuration lets through), for tests of what logs may not say.</summary>
public sealed class LogCapture : ILoggerProvider
{
    readonly ConcurrentQueue<LogLine> _lines = new();

    public IReadOnlyCollection<LogLine> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    sealed class Logger(string category, ConcurrentQueue<LogLine> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(new LogLine(logLevel, category, formatter(state, exception) + (exception is null ? "" : " " + exception)));
    }
}

public sealed record LogLine(LogLevel Level, string Category, string Message);
