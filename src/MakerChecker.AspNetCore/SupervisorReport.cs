using System.Globalization;
using System.Runtime.CompilerServices;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Review;

namespace MakerChecker.AspNetCore;

/// <summary>The rubber-stamp report over a time window of the live log: the detector the CLI's <c>review report</c> runs.</summary>
internal static class SupervisorReport
{
    public static async Task<ReviewReport> ReadAsync(IAuditStore log, DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var events = log is IAuditQuery query
            ? query.ReadByTimeRangeAsync(since, until + TimeSpan.FromSeconds(1), cancellationToken)
            : Window(log, since, cancellationToken);
        var evidence = await ReviewEvidenceReader.ReadAsync(events, cancellationToken).ConfigureAwait(false);
        return RubberStampDetector.Analyze(evidence);
    }

    private static async IAsyncEnumerable<AuditEvent> Window(
        IAuditStore log, DateTimeOffset since, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in log.ReadAsync(1, cancellationToken).ConfigureAwait(false))
        {
            if (DateTimeOffset.TryParse(e.OccurredAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) && at >= since) yield return e;
        }
    }
}
