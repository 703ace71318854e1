using System.CommandLine;
using System.Globalization;
using MakerChecker.Cli.Logs;
using MakerChecker.Gates.Snapshots;

namespace MakerChecker.Cli.Commands;

/// <summary>
/// <c>makerchecker audit check-snapshots PATH</c>: replays a live store's log from genesis through the gate's projection
/// and checks, at every <c>gate.snapshot_recorded</c>, that the replayed state has the recorded hash (see
/// <see cref="GateSnapshotChecker"/>). Read-only; needs no snapshot bytes.
/// </summary>
internal static class CheckSnapshotsCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var log = new Argument<string>("PATH") { Description = AuditLogLocation.Description };
        ArgumentChecks.RejectOptionLikePaths(log);
        var command = new Command(
            "check-snapshots",
            "Replay a store's log from genesis and check every recorded gate snapshot hash (gate.snapshot_recorded) against the replayed state. " +
            "Read-only. Exits 0 when all match (or none is recorded), 1 naming the first seq that does not or if the log cannot be read, 2 usage.");
        command.Arguments.Add(log);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!AuditLogLocation.TryParse(parse.GetValue(log)!, out var location, out var invalid))
            {
                return await ArgumentChecks.UsageAsync(error, invalid!, cancellationToken).ConfigureAwait(false);
            }
            if (!location!.IsStore)
            {
                const string Bundle = "check-snapshots replays a live store (a .jsonl file store, sqlite:PATH or postgres:CONNECTION), not a bundle.";
                return await ArgumentChecks.UsageAsync(error, Bundle, cancellationToken).ConfigureAwait(false);
            }
            if (location.IsMissingFile) return await FailAsync(error, $"error: no audit log at '{location.Display}'.", cancellationToken).ConfigureAwait(false);

            GateSnapshotCheckResult result;
            try
            {
                await using var store = await location.OpenReadOnlyAsync(cancellationToken).ConfigureAwait(false);
                result = await GateSnapshotChecker.CheckAsync(store, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (AuditLogLocation.IsReadFailure(ex))
            {
                return await FailAsync(error, $"error: {location.Display}: {ex.Message}", cancellationToken).ConfigureAwait(false);
            }

            if (result.FirstMismatch is { } wrong)
            {
                var replayed = wrong.ReplayedHash is { } hash
                    ? $"the state replayed from genesis has {hash}"
                    : $"event {wrong.EventSeq} does not directly follow event {wrong.Seq}, so it describes no replayed state";
                var message = $"FAILED: {location.Display}: the gate snapshot at seq {wrong.Seq} (event {wrong.EventSeq}) recorded {wrong.RecordedHash}, " +
                    $"but {replayed}. A gate that started from it started from a state the log does not imply: restart the gates without that snapshot.";
                return await FailAsync(error, message, cancellationToken).ConfigureAwait(false);
            }

            var summary = string.Create(CultureInfo.InvariantCulture,
                $"OK: {location.Display}: {result.Snapshots.Count} gate snapshot(s) match the replay of {result.EventCount} events");
            await output.WriteLineAsync(summary.AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<int> FailAsync(TextWriter error, string message, CancellationToken cancellationToken)
    {
        await error.WriteLineAsync(message.AsMemory(), cancellationToken).ConfigureAwait(false);
        return ExitCodes.Failure;
    }
}
