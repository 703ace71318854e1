using System.CommandLine;
using System.Globalization;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;
using MakerChecker.Audit.Verification;
using MakerChecker.Cli.Logs;

namespace MakerChecker.Cli.Commands;

/// <summary>
/// <c>makerchecker audit receipt</c>: the receipt of one event under a checkpoint the log's writer already signed. It is
/// an inspection command: it opens the log, its <c>.checkpoints</c> and its <c>.merkle</c> read-only, rebuilds the tree
/// in memory, and never writes, signs, repairs or locks anything beside the log.
/// </summary>
internal static class ReceiptCommand
{
    public static Command Create(TextWriter output)
    {
        var log = new Argument<string>("PATH") { Description = AuditLogLocation.Description };
        var checkpoints = new Option<string?>("--checkpoints") { Description = AuditLogLocation.CheckpointsDescription };
        ArgumentChecks.RejectOptionLikePaths(log);
        var seq = new Option<long>("--seq") { Description = "The event's sequence number (1 is genesis).", Required = true };
        var key = new Option<FileInfo?>("--key")
        {
            Description = "The checkpoint key's private key (PKCS#8 PEM), used only for its public half; or give --vkey.",
        };
        var vkey = ReceiptCommands.VerifierKeyOption(required: false);
        var origin = new Option<string?>("--origin") { Description = "The checkpoint origin (default: the origin in the log's checkpoint history)." };
        var file = new Option<FileInfo>("--output", "-o") { Description = "Where to write the receipt.", Required = true };
        var command = new Command(
            "receipt",
            "Write the receipt of one event: the event, its inclusion proof and the latest signed checkpoint, which must cover it. Read-only: never signs " +
            "or writes beside the log. Exits 1 if the log cannot be read, fails verification, was rolled back, or no checkpoint covers the event; 2 usage.");
        command.Arguments.Add(log);
        command.Options.Add(seq);
        command.Options.Add(key);
        command.Options.Add(vkey);
        command.Options.Add(origin);
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
            var number = parse.GetValue(seq);
            if (number < 1)
            {
                return await ArgumentChecks.UsageAsync(error, $"--seq must be 1 or more, not {number}.", cancellationToken).ConfigureAwait(false);
            }

            var options = await ReadKeyOptionsAsync(parse, key, vkey, error, cancellationToken).ConfigureAwait(false);
            if (options is null)
            {
                return ExitCodes.Usage;
            }

            options.Origin = parse.GetValue(origin);
            using var signer = options.Signer as IDisposable;
            if (location.IsMissingFile)
            {
                await error.WriteLineAsync($"error: no audit log at '{path}'.".AsMemory(), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            try
            {
                var request = (location, parse.GetValue(checkpoints));
                return await WriteReceiptAsync(request, number, options, parse.GetValue(file)!.FullName, output, error, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (Exception ex) when (AuditLogLocation.IsReadFailure(ex) || ex is CheckpointRefusedException)
            {
                await error.WriteLineAsync($"error: {ex.Message}".AsMemory(), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Failure;
            }
        });
        return command;
    }

    private static async Task<int> WriteReceiptAsync(
        (AuditLogLocation Location, string? Checkpoints) log, long number, CheckpointedAuditStoreOptions options, string destination, TextWriter output,
        TextWriter error, CancellationToken cancellationToken)
    {
        var path = log.Location.Display;
        var (store, verdict) = await log.Location.OpenCheckpointedAsync(options, log.Checkpoints, cancellationToken).ConfigureAwait(false);
        if (store is null)
        {
            var at = verdict!.FailedSeq is { } failed ? $" at seq {failed.ToString(CultureInfo.InvariantCulture)}" : string.Empty;
            return await FailAsync(
                error,
                $"error: {verdict.ReasonCode}: the audit log '{path}' fails verification{at} ({verdict.Reason}); no receipt is issued from it. " +
                $"Run 'makerchecker audit verify {path}'.",
                cancellationToken).ConfigureAwait(false);
        }

        await using (store.ConfigureAwait(false))
        {
            if (!store.OpenReport.Extends)
            {
                return await FailAsync(
                    error,
                    $"error: {store.OpenReport.ReasonCode}: the audit log '{path}' no longer extends its latest signed checkpoint: " +
                    $"{store.OpenReport.Failure}. No receipt is issued from it; keep the log and its .checkpoints and .merkle files as evidence.",
                    cancellationToken).ConfigureAwait(false);
            }

            if (number > store.TreeSize)
            {
                var absent = $"error: the log holds {store.TreeSize} events; there is no seq {number}.";
                return await FailAsync(error, absent, cancellationToken).ConfigureAwait(false);
            }

            var latest = store.LatestCheckpoint;
            if (latest is null || latest.Checkpoint.Size < number)
            {
                var covered = latest is null ? "the log has no signed checkpoint yet" : $"the latest covers {latest.Checkpoint.Size} events";
                return await FailAsync(
                    error,
                    $"error: {AuditReasonCodes.EventNotCheckpointed}: no signed checkpoint covers seq {number} ({covered}), " +
                    "and this command never signs one. " +
                    $"Sign one with 'makerchecker audit checkpoint {path} --key PRIVATE.pem' when no application holds the log open, or with " +
                    "CheckpointedAuditStore.CheckpointAsync() in the application that writes it; then ask again.",
                    cancellationToken).ConfigureAwait(false);
            }

            var receipt = await store.CreateReceiptAsync(number, cancellationToken).ConfigureAwait(false);
            await File.WriteAllBytesAsync(destination, receipt.ToJson(), cancellationToken).ConfigureAwait(false);
            var written = $"receipt for seq {number} under checkpoint {latest} written to {destination}";
            await output.WriteLineAsync(written.AsMemory(), cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"verifier key: {store.VerifierKey}".AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        }
    }

    private static async Task<int> FailAsync(TextWriter error, string message, CancellationToken cancellationToken)
    {
        await error.WriteLineAsync(message.AsMemory(), cancellationToken).ConfigureAwait(false);
        return ExitCodes.Failure;
    }

    /// <summary>
    /// The checkpoint key from exactly one of <c>--key</c> (a private key, of which only the public half is used) and
    /// <c>--vkey</c>, as store options; or, after writing the usage error, <see langword="null"/>.
    /// </summary>
    internal static async Task<CheckpointedAuditStoreOptions?> ReadKeyOptionsAsync(
        ParseResult parse, Option<FileInfo?> key, Option<string> vkey, TextWriter error, CancellationToken cancellationToken)
    {
        var keyFile = parse.GetValue(key);
        var vkeyText = parse.GetValue(vkey);
        if ((keyFile is null) == (vkeyText is null))
        {
            const string OneKey = "give the log's checkpoint key: --vkey VKEY (its verifier key) or --key PRIVATE.pem, not both.";
            await ArgumentChecks.UsageAsync(error, OneKey, cancellationToken).ConfigureAwait(false);
            return null;
        }

        if (vkeyText is not null)
        {
            var (verifier, failure) = ReceiptCommands.ReadVerifierKey(vkeyText);
            if (verifier is null)
            {
                await ArgumentChecks.UsageAsync(error, failure!, cancellationToken).ConfigureAwait(false);
                return null;
            }

            return new CheckpointedAuditStoreOptions { VerifierKey = verifier };
        }

        try
        {
            return new CheckpointedAuditStoreOptions { Signer = Ed25519KeyFile.LoadSigner(keyFile!.FullName) };
        }
        catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException or ArgumentException)
        {
            await ArgumentChecks.UsageAsync(error, $"cannot load the checkpoint key: {ex.Message}", cancellationToken).ConfigureAwait(false);
            return null;
        }
    }
}
