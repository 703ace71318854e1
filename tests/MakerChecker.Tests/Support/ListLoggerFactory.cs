using Microsoft.Extensions.Logging;

namespace MakerChecker.Tests.Support;

/// <summary>Collects every log entry (level, event id, formatted message) for assertions.</summary>
internal sealed class ListLoggerFactory : ILoggerFactory, ILogger
{
    public List<(LogLevel Level, int EventId, string Message)> Entries { get; } = [];

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider) { }

    public void Dispose() { }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (Entries) Entries.Add((logLevel, eventId.Id, formatter(state, exception)));
    }
}
