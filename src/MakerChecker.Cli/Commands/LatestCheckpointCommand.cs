using System.CommandLine;
using System.Globalization;
using System.Text;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;
using MakerChecker.Cli.Logs;

namespace MakerChecker.Cli.Commands;

/// <summary>
/// <c>makerchecker audit latest-checkpoint PATH --vkey VKEY</c>: the log's latest signed checkpoint note, byte for byte
/// as its writer signed it, for an inspector to keep and later hand to <c>audit consistency</c>. It is an inspection
/// command, the read-only counterpart of <c>audit checkpoint</c> (which signs): it checks the note's signature under the
/// pinned key and that the log still extends it, and never signs, writes, repairs or locks anything beside the log.
/// </summary>
internal static class LatestCheckpointCommand
{
    public static Command Create(TextWriter output)
    {
        var log = new Argument<string>("PATH") { Description = AuditLogLocation.Description };
        var checkpoints = new Option<string?>("--checkpoints") { Description = AuditLogLocation.CheckpointsDescription };
        ArgumentChecks.RejectOptionLikePaths(log);
        var vkey = ReceiptCommands.VerifierKeyOption();
        var file = new Option<FileInfo?>("--output", "-o") { Description = "Write the note to this file (must not exist) instead of standard output." };
        var command = new Command(
            "latest-checkpoint",
            "Print the latest signed checkpoint note of a log, byte-exact, after checking its signature and that the log extends it. Read-only: never " +
            "signs (that is 'audit checkpoint'). Exits 0, 1 if the log cannot be read, fails verification, was rolled back or has no checkpoint, 2 usage.");
        command.Arguments.Add(log);
        command.Options.Add(vkey);
        command.Options.Add(file);
        command.Options.Add(checkpoints);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            if (!AuditLogLocation.TryParse(parse.GetValue(log)!, out var location, out var invalid))
            {
                return await ArgumentChecks.UsageAsync(error, invalid!, cancellationToken).ConfigureAwait(false);
            }

            var path = location!.Display;
            var destination = parse.GetValue(file);
            var (key, keyFailure) = ReceiptCommands.ReadVerifierKey(parse.GetValue(vkey)!);
            if (key is null) return await ArgumentChecks.UsageAsync(error, keyFailure!, cancellationToken).ConfigureAwait(false);
            if (destination is { Exists: true })
            {
                var exists = $"'{destination}' exists; this command never overwrites a file. Choose another --output.";
                return await ArgumentChecks.UsageAsync(error, exists, cancellationToken).ConfigureAwait(false);
            }

            if (location.IsMissingFile)
            {
                return await FailAsync(error, $"error: no audit log at '{path}'.", cancellationToken).ConfigureAwait(false);
            }

            string note;
            try
            {
                var (latest, failure) = await ReadLatestAsync(location, parse.GetValue(checkpoints), key, cancellationToken).ConfigureAwait(false);
                if (latest is null) return await FailAsync(error, failure!, cancellationToken).ConfigureAwait(false);
                note = latest;
            }
            catch (Exception ex) when (AuditLogLocation.IsReadFailure(ex))
            {
                return await FailAsync(error, $"error: {ex.Message}", cancellationToken).ConfigureAwait(false);
            }

            if (destination is null)
            {
                await output.WriteAsync(note.AsMemory(), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            try
            {
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
                await using var stream = new FileStream(destination.FullName, options);
                await stream.WriteAsync(Encoding.UTF8.GetBytes(note), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                var unwritable = $"cannot write '{destination}': {ex.Message}";
                return await ArgumentChecks.UsageAsync(error, unwritable, cancellationToken).ConfigureAwait(false);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The latest note of a log that verifies and extends it, or why there is none to give.</summary>
    private static async Task<(string? Note, string? Failure)> ReadLatestAsync(
        AuditLogLocation location, string? checkpoints, NoteVerifierKey key, CancellationToken cancellationToken)
    {
        var path = location.Display;
        var options = new CheckpointedAuditStoreOptions { VerifierKey = key };
        var (store, verdict) = await location.OpenCheckpointedAsync(options, checkpoints, cancellationToken).ConfigureAwait(false);
        if (store is null)
        {
            var at = verdict!.FailedSeq is { } failed ? $" at seq {failed.ToString(CultureInfo.InvariantCulture)}" : string.Empty;
            return (null, $"error: {verdict.ReasonCode}: the audit log '{path}' fails verification{at} ({verdict.Reason}). " +
                $"Run 'makerchecker audit verify {path}'.");
        }

        await using (store.ConfigureAwait(false))
        {
            if (store.LatestCheckpoint is not { } latest)
            {
                return (null, $"error: the audit log '{path}' has no signed checkpoint under {key.Name}. " +
                    $"Sign one with 'makerchecker audit checkpoint {path} --key PRIVATE.pem' when no application holds the log open.");
            }

            if (!store.OpenReport.Extends)
            {
                return (null, $"error: {store.OpenReport.ReasonCode}: the audit log '{path}' no longer extends its latest signed checkpoint: " +
                    $"{store.OpenReport.Failure}. Keep the log and its .checkpoints and .merkle files as evidence.");
            }

            return (latest.NoteText, null);
        }
    }

    private static async Task<int> FailAsync(TextWriter error, string message, CancellationToken cancellationToken)
    {
        await error.WriteLineAsync(message.AsMemory(), cancellationToken).ConfigureAwait(false);
        return ExitCodes.Failure;
    }
}
