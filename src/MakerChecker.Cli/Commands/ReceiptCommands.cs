using System.CommandLine;
using System.Globalization;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;

namespace MakerChecker.Cli.Commands;

/// <summary>
/// <c>makerchecker audit receipt | checkpoint | latest-checkpoint | vkey | verify-receipt | consistency</c>: per-decision receipts and checks that a log still
/// extends a checkpoint an inspector kept (docs/checkpoints-and-receipts.md).
/// </summary>
internal static class ReceiptCommands
{
    public static IEnumerable<Command> Create(TextWriter output) =>
    [
        ReceiptCommand.Create(output), CheckpointCommand.Create(output), LatestCheckpointCommand.Create(output), VerifierKeyCommand.Create(output),
        VerifyReceipt(output), Consistency(output),
    ];

    private static Command VerifyReceipt(TextWriter output)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The receipt file." };
        ArgumentChecks.RejectOptionLikePaths(file);
        var vkey = VerifierKeyOption();
        var origin = new Option<string?>("--origin") { Description = "Require the receipt's checkpoint to be of this log." };
        var command = new Command("verify-receipt",
            "Verify a receipt offline: the checkpoint signature under the verifier key, and the event's inclusion proof to its root. " +
            "Exits 0 valid, 1 invalid, 2 usage.");
        command.Arguments.Add(file);
        command.Options.Add(vkey);
        command.Options.Add(origin);
        command.SetAction(async (parse, cancellationToken) =>
        {
            NoteVerifierKey? key;
            byte[]? bytes;
            try
            {
                (key, bytes) = await ReadKeyAndFileAsync(parse, vkey, parse.GetValue(file)!, "the receipt", cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException ex)
            {
                await output.WriteLineAsync($"invalid: {ex.Message}".AsMemory(), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Failure; // larger than any receipt: a malformed receipt
            }

            if (key is null || bytes is null)
            {
                return ExitCodes.Usage;
            }

            if (!Audit.Transparency.Receipt.TryParse(bytes, out var receipt, out var failure))
            {
                await output.WriteLineAsync($"invalid: {failure}".AsMemory(), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            var result = receipt.Verify([key], parse.GetValue(origin));
            if (!result.IsValid)
            {
                await output.WriteLineAsync($"invalid: {result.Failure}".AsMemory(), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            SignedCheckpoint.TryOpen(receipt.CheckpointNote, [key], out var checkpoint, out _);
            var valid = $"valid: event seq {(receipt.LeafIndex + 1).ToString(CultureInfo.InvariantCulture)} is in {checkpoint}";
            await output.WriteLineAsync(valid.AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Consistency(TextWriter output)
    {
        var old = new Argument<FileInfo>("OLD_CHECKPOINT") { Description = "A signed checkpoint note kept from an earlier audit." };
        var log = new Argument<FileInfo>("PATH") { Description = "The audit log now (JSON Lines file store); opened read-only." };
        ArgumentChecks.RejectOptionLikePaths(old);
        ArgumentChecks.RejectOptionLikePaths(log);
        var vkey = VerifierKeyOption();
        var command = new Command("consistency",
            "Check that the log extends an older checkpoint. Exits 0 if it does, 1 if it is shorter or diverges " +
            "(naming the first divergent seq when the hash file beside the log still holds the older tree), 2 usage.");
        command.Arguments.Add(old);
        command.Arguments.Add(log);
        command.Options.Add(vkey);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            NoteVerifierKey? key;
            byte[]? bytes;
            try
            {
                (key, bytes) = await ReadKeyAndFileAsync(parse, vkey, parse.GetValue(old)!, "the old checkpoint", cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException ex)
            {
                return await ArgumentChecks.UsageAsync(error, ex.Message, cancellationToken).ConfigureAwait(false);
            }

            if (key is null || bytes is null)
            {
                return ExitCodes.Usage;
            }

            var note = System.Text.Encoding.UTF8.GetString(bytes);
            if (!SignedCheckpoint.TryOpen(note, [key], out var older, out var failure))
            {
                await error.WriteLineAsync($"error: the old checkpoint does not verify under {key.Name}: {failure}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            try
            {
                var inner = await FileAuditStore.OpenReadOnlyAsync(parse.GetValue(log)!.FullName, cancellationToken).ConfigureAwait(false);
                if (!inner.OpenVerdict.IsValid)
                {
                    var diverges = $"diverges: the log's hash chain fails verification ({inner.OpenVerdict.ReasonCode}: {inner.OpenVerdict.Reason})";
                    await output.WriteLineAsync(diverges.AsMemory(), cancellationToken).ConfigureAwait(false);
                    return ExitCodes.Failure;
                }

                var options = new CheckpointedAuditStoreOptions { VerifierKey = key };
                await using var store = await CheckpointedAuditStore.OpenReadOnlyAsync(inner, options, cancellationToken).ConfigureAwait(false);
                var report = await store.CheckExtendsAsync(older.Checkpoint, cancellationToken).ConfigureAwait(false);
                if (!report.Extends)
                {
                    var first = report.FirstDivergentLeaf is { } leaf
                        ? $" (first divergent event: seq {(leaf + 1).ToString(CultureInfo.InvariantCulture)})"
                        : string.Empty;
                    await output.WriteLineAsync($"{report.ReasonCode}: {report.Failure}{first}".AsMemory(), cancellationToken).ConfigureAwait(false);
                    return ExitCodes.Failure;
                }

                var extends = $"extends: the log ({store.TreeSize} events) extends checkpoint {older}; consistency proof of {report.Proof.Count} hashes";
                await output.WriteLineAsync(extends.AsMemory(), cancellationToken).ConfigureAwait(false);
                foreach (var hash in report.Proof)
                {
                    await output.WriteLineAsync(hash.ToString().AsMemory(), cancellationToken).ConfigureAwait(false);
                }

                return ExitCodes.Success;
            }
            catch (Exception ex) when (ex is AuditStoreException or IOException)
            {
                await error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
        });
        return command;
    }

    internal static Option<string> VerifierKeyOption(bool required = true) =>
        new("--vkey") { Description = "The log's verifier key (name+keyid+base64), or a file holding it.", Required = required };

    /// <summary>The verifier key and the input file, or (after writing the usage error) nulls.</summary>
    /// <exception cref="InvalidDataException">The input file is larger than any receipt or checkpoint can be.</exception>
    private static async Task<(NoteVerifierKey? Key, byte[]? Bytes)> ReadKeyAndFileAsync(ParseResult parse, Option<string> vkey, FileInfo file, string what,
        CancellationToken cancellationToken)
    {
        var error = parse.InvocationConfiguration.Error;
        var (key, keyFailure) = ReadVerifierKey(parse.GetValue(vkey)!);
        if (key is null)
        {
            await error.WriteLineAsync($"error: {keyFailure}").ConfigureAwait(false);
            return (null, null);
        }

        try
        {
            return (key, BoundedFile.Read(file.FullName, BoundedFile.ReceiptBytes, what));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"error: cannot read {what}: {ex.Message}").ConfigureAwait(false);
            return (null, null);
        }
    }

    /// <summary>The vkey given inline or as a file holding it.</summary>
    internal static (NoteVerifierKey? Key, string? Failure) ReadVerifierKey(string value)
    {
        var text = value;
        if (File.Exists(value))
        {
            try
            {
                text = BoundedFile.ReadText(value, BoundedFile.KeyBytes, "the verifier key file").Trim();
            }
            catch (InvalidDataException ex)
            {
                return (null, ex.Message);
            }
        }

        return NoteVerifierKey.TryParse(text, out var key, out var failure)
            ? (key, null)
            : (null, $"--vkey is not a verifier key (name+keyid+base64) nor a file holding one: {failure}");
    }
}
