using System.CommandLine;
using System.Globalization;
using System.Text;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;
using MakerChecker.Cli.Logs;

namespace MakerChecker.Cli.Commands;

/// <summary>
/// <c>makerchecker audit consistency OLD_CHECKPOINT PATH --vkey VKEY</c>: proves that the log's latest signed checkpoint
/// extends one an inspector kept, and prints what an independent checker needs, exactly as Go's <c>tlog.CheckTree</c>
/// takes it: the RFC 6962 consistency proof from the old checkpoint to the latest signed one (one base64 hash a line),
/// then, after an empty line, that latest signed checkpoint note byte for byte. Read-only.
/// </summary>
internal static class ConsistencyCommand
{
    public static Command Create(TextWriter output)
    {
        var old = new Argument<FileInfo>("OLD_CHECKPOINT") { Description = "A signed checkpoint note kept from an earlier audit." };
        var log = new Argument<string>("PATH") { Description = AuditLogLocation.Description };
        ArgumentChecks.RejectOptionLikePaths(old);
        ArgumentChecks.RejectOptionLikePaths(log);
        var vkey = ReceiptCommands.VerifierKeyOption();
        var checkpoints = new Option<string?>("--checkpoints") { Description = AuditLogLocation.CheckpointsDescription };
        var command = new Command("consistency",
            "Prove that the log's latest signed checkpoint extends an older one: prints the consistency proof (base64 hashes) and, after an empty " +
            "line, the latest signed checkpoint note, for tlog.CheckTree. Exits 0 if it does, 1 if the log is shorter, diverges or has no newer " +
            "signed checkpoint (naming the first divergent seq when the hash file beside the log still holds the older tree), 2 usage.");
        command.Arguments.Add(old);
        command.Arguments.Add(log);
        command.Options.Add(vkey);
        command.Options.Add(checkpoints);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            NoteVerifierKey? key;
            byte[]? bytes;
            try
            {
                (key, bytes) = await ReceiptCommands.ReadKeyAndFileAsync(parse, vkey, parse.GetValue(old)!, "the old checkpoint", cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (InvalidDataException ex)
            {
                return await ArgumentChecks.UsageAsync(error, ex.Message, cancellationToken).ConfigureAwait(false);
            }

            if (key is null || bytes is null)
            {
                return ExitCodes.Usage;
            }

            if (!AuditLogLocation.TryParse(parse.GetValue(log)!, out var location, out var invalid))
            {
                return await ArgumentChecks.UsageAsync(error, invalid!, cancellationToken).ConfigureAwait(false);
            }

            var note = Encoding.UTF8.GetString(bytes);
            if (!SignedCheckpoint.TryOpen(note, [key], out var older, out var failure))
            {
                await error.WriteLineAsync($"error: the old checkpoint does not verify under {key.Name}: {failure}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (location!.IsMissingFile)
            {
                await error.WriteLineAsync($"error: '{location.Display}' does not exist.").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            try
            {
                var (store, failed) = await location.OpenCheckpointedAsync(new CheckpointedAuditStoreOptions { VerifierKey = key }, parse.GetValue(checkpoints),
                    cancellationToken).ConfigureAwait(false);
                if (store is null)
                {
                    var diverges = $"diverges: the log's hash chain fails verification ({failed!.ReasonCode}: {failed.Reason})";
                    await output.WriteLineAsync(diverges.AsMemory(), cancellationToken).ConfigureAwait(false);
                    return ExitCodes.Failure;
                }

                await using (store.ConfigureAwait(false))
                {
                    return await ProveAsync(store, older.Checkpoint, output, error, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (AuditLogLocation.IsReadFailure(ex))
            {
                await error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
        });
        return command;
    }

    private static async Task<int> ProveAsync(
        CheckpointedAuditStore store, Checkpoint older, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var report = await store.CheckExtendsAsync(older, cancellationToken).ConfigureAwait(false);
        if (!report.Extends)
        {
            var first = report.FirstDivergentLeaf is { } leaf ? $" (first divergent event: seq {Number(leaf + 1)})" : string.Empty;
            await output.WriteLineAsync($"{report.ReasonCode}: {report.Failure}{first}".AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        if (!store.OpenReport.Extends)
        {
            var rolledBack = $"{store.OpenReport.ReasonCode}: the log no longer extends its own latest signed checkpoint: {store.OpenReport.Failure}";
            await output.WriteLineAsync(rolledBack.AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        if (store.LatestCheckpoint is not { } latest || latest.Checkpoint.Size < older.Size)
        {
            var none = $"error: the log has no signed checkpoint at or after {older} (its latest is " +
                $"{(store.LatestCheckpoint is { } l ? l.Checkpoint.ToString() : "none")}), so there is nothing signed to prove consistency to. " +
                "The log's writer signs checkpoints (CheckpointedAuditStore, or 'makerchecker audit checkpoint' for a file log no application holds open).";
            await error.WriteLineAsync(none.AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        var proof = await store.ProveConsistencyAsync(older.Size, latest.Checkpoint.Size, cancellationToken).ConfigureAwait(false);
        var extends = $"extends: the log ({Number(store.TreeSize)} events) extends checkpoint {older}; its latest signed checkpoint, size " +
            $"{Number(latest.Checkpoint.Size)}, extends it by a consistency proof of {proof.Length} hashes (below, then that checkpoint after an empty line)";
        var text = new StringBuilder(extends).Append('\n');
        foreach (var hash in proof)
        {
            text.Append(hash.ToString()).Append('\n');
        }

        text.Append('\n').Append(latest.NoteText);
        await output.WriteAsync(text.ToString().AsMemory(), cancellationToken).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);
}
