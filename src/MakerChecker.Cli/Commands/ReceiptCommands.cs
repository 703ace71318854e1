using System.CommandLine;
using System.Globalization;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;

namespace MakerChecker.Cli.Commands;

/// <summary>
/// <c>makerchecker audit receipt | verify-receipt | consistency</c>: per-decision receipts and checks that a log still
/// extends a checkpoint an inspector kept (docs/checkpoints-and-receipts.md).
/// </summary>
internal static class ReceiptCommands
{
    public static IEnumerable<Command> Create(TextWriter output) => [Receipt(output), VerifyReceipt(output), Consistency(output)];

    private static Command Receipt(TextWriter output)
    {
        var log = new Argument<FileInfo>("PATH") { Description = "The audit log (JSON Lines file store); its .merkle and .checkpoints files are kept beside it." };
        ArgumentChecks.RejectOptionLikePaths(log);
        var seq = new Option<long>("--seq") { Description = "The event's sequence number (1 is genesis).", Required = true };
        var key = new Option<FileInfo>("--key") { Description = "The Ed25519 private key (PKCS#8 PEM) that signs the log's checkpoints.", Required = true };
        var origin = new Option<string?>("--origin") { Description = "The checkpoint origin (default makerchecker.audit/<instance id>); keep it the same for the life of the log." };
        var file = new Option<FileInfo>("--output", "-o") { Description = "Where to write the receipt.", Required = true };
        var command = new Command("receipt", "Write the receipt of one event: the event, its inclusion proof and a signed checkpoint covering it (signed now if none does yet). Exits 1 if the log cannot be opened or was rolled back.");
        command.Arguments.Add(log);
        command.Options.Add(seq);
        command.Options.Add(key);
        command.Options.Add(origin);
        command.Options.Add(file);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var path = parse.GetValue(log)!.FullName;
            var number = parse.GetValue(seq);
            if (number < 1)
            {
                await error.WriteLineAsync($"error: --seq must be 1 or more, not {number}.").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (!File.Exists(path))
            {
                await error.WriteLineAsync($"error: no audit log at '{path}'.").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            Ed25519AuditSigner signer;
            try
            {
                signer = Ed25519KeyFile.LoadSigner(parse.GetValue(key)!.FullName);
            }
            catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException or ArgumentException)
            {
                await error.WriteLineAsync($"error: cannot load the signing key: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            using (signer)
            {
                try
                {
                    var inner = await FileAuditStore.OpenAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
                    CheckpointedAuditStore store;
                    try
                    {
                        store = await CheckpointedAuditStore.OpenAsync(inner, new CheckpointedAuditStoreOptions { Signer = signer, Origin = parse.GetValue(origin) }, cancellationToken).ConfigureAwait(false);
                    }
                    catch
                    {
                        await inner.DisposeAsync().ConfigureAwait(false);
                        throw;
                    }

                    await using (store.ConfigureAwait(false))
                    {
                        if (number > store.TreeSize)
                        {
                            await error.WriteLineAsync($"error: the log holds {store.TreeSize} events; there is no seq {number}.").ConfigureAwait(false);
                            return ExitCodes.Failure;
                        }

                        var receipt = await store.CreateReceiptAsync(number, cancellationToken).ConfigureAwait(false);
                        var destination = parse.GetValue(file)!.FullName;
                        await File.WriteAllBytesAsync(destination, receipt.ToJson(), cancellationToken).ConfigureAwait(false);
                        await output.WriteLineAsync($"receipt for seq {number} under checkpoint {store.LatestCheckpoint} written to {destination}".AsMemory(), cancellationToken).ConfigureAwait(false);
                        await output.WriteLineAsync($"verifier key: {store.VerifierKey}".AsMemory(), cancellationToken).ConfigureAwait(false);
                        return ExitCodes.Success;
                    }
                }
                catch (LogRollbackException ex)
                {
                    await error.WriteLineAsync($"error: {ex.ReasonCode}: {ex.Message}").ConfigureAwait(false);
                    return ExitCodes.Failure;
                }
                catch (Exception ex) when (ex is AuditStoreException or IOException or CheckpointRefusedException)
                {
                    await error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
                    return ExitCodes.Failure;
                }
            }
        });
        return command;
    }

    private static Command VerifyReceipt(TextWriter output)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The receipt file." };
        ArgumentChecks.RejectOptionLikePaths(file);
        var vkey = VerifierKeyOption();
        var origin = new Option<string?>("--origin") { Description = "Require the receipt's checkpoint to be of this log." };
        var command = new Command("verify-receipt", "Verify a receipt offline: the checkpoint signature under the verifier key, and the event's inclusion proof to its root. Exits 0 valid, 1 invalid, 2 usage.");
        command.Arguments.Add(file);
        command.Options.Add(vkey);
        command.Options.Add(origin);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (key, bytes) = await ReadKeyAndFileAsync(parse, vkey, parse.GetValue(file)!, "the receipt", cancellationToken).ConfigureAwait(false);
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
            await output.WriteLineAsync($"valid: event seq {(receipt.LeafIndex + 1).ToString(CultureInfo.InvariantCulture)} is in {checkpoint}".AsMemory(), cancellationToken).ConfigureAwait(false);
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
        var command = new Command("consistency", "Check that the log extends an older checkpoint. Exits 0 if it does, 1 if it is shorter or diverges (naming the first divergent seq when the hash file beside the log still holds the older tree), 2 usage.");
        command.Arguments.Add(old);
        command.Arguments.Add(log);
        command.Options.Add(vkey);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var (key, bytes) = await ReadKeyAndFileAsync(parse, vkey, parse.GetValue(old)!, "the old checkpoint", cancellationToken).ConfigureAwait(false);
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
                    await output.WriteLineAsync($"diverges: the log's hash chain fails verification ({inner.OpenVerdict.ReasonCode}: {inner.OpenVerdict.Reason})".AsMemory(), cancellationToken).ConfigureAwait(false);
                    return ExitCodes.Failure;
                }

                await using var store = await CheckpointedAuditStore.OpenReadOnlyAsync(inner, new CheckpointedAuditStoreOptions { VerifierKey = key }, cancellationToken).ConfigureAwait(false);
                var report = await store.CheckExtendsAsync(older.Checkpoint, cancellationToken).ConfigureAwait(false);
                if (!report.Extends)
                {
                    var first = report.FirstDivergentLeaf is { } leaf ? $" (first divergent event: seq {(leaf + 1).ToString(CultureInfo.InvariantCulture)})" : string.Empty;
                    await output.WriteLineAsync($"{report.ReasonCode}: {report.Failure}{first}".AsMemory(), cancellationToken).ConfigureAwait(false);
                    return ExitCodes.Failure;
                }

                await output.WriteLineAsync($"extends: the log ({store.TreeSize} events) extends checkpoint {older}; consistency proof of {report.Proof.Count} hashes".AsMemory(), cancellationToken).ConfigureAwait(false);
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

    private static Option<string> VerifierKeyOption() =>
        new("--vkey") { Description = "The log's verifier key (name+keyid+base64), or a file holding it.", Required = true };

    /// <summary>The verifier key and the input file, or (after writing the usage error) nulls.</summary>
    private static async Task<(NoteVerifierKey? Key, byte[]? Bytes)> ReadKeyAndFileAsync(ParseResult parse, Option<string> vkey, FileInfo file, string what, CancellationToken cancellationToken)
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
            return (key, await File.ReadAllBytesAsync(file.FullName, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"error: cannot read {what}: {ex.Message}").ConfigureAwait(false);
            return (null, null);
        }
    }

    /// <summary>The vkey given inline or as a file holding it.</summary>
    private static (NoteVerifierKey? Key, string? Failure) ReadVerifierKey(string value)
    {
        var text = value;
        if (File.Exists(value))
        {
            text = File.ReadAllText(value).Trim();
        }

        return NoteVerifierKey.TryParse(text, out var key, out var failure)
            ? (key, null)
            : (null, $"--vkey is not a verifier key (name+keyid+base64) nor a file holding one: {failure}");
    }
}
