using System.Text;

namespace MakerChecker.Audit.FailoverHost;

/// <summary>
/// What one process was told, one line each, written and fsync'd before the process goes on, so that what the test
/// reads after the run is at least everything acknowledged:
/// <c>ack EVENT_TYPE RUN_ID</c> (a store or gate call returned success for an event of that type in that run),
/// <c>ran RUN_ID</c> (an action ran; written inside the action), <c>error TYPE: MESSAGE</c> (a failure a caller saw),
/// and <c>settled</c> (the gate owes the log nothing).
/// </summary>
internal sealed class AckLog(string path) : IDisposable
{
    private readonly FileStream _file = new(path, FileMode.Append, FileAccess.Write, FileShare.Read);

    public void Ack(string eventType, string runId) => Line($"ack {eventType} {runId}");

    public void Error(Exception error) =>
        Line($"error {error.GetType().Name}: {error.Message.ReplaceLineEndings(" ")}");

    public void Line(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        lock (_file)
        {
            _file.Write(bytes);
            _file.Flush(flushToDisk: true);
        }
    }

    public void Dispose() => _file.Dispose();
}
