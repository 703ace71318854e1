using System.CommandLine;
using MakerChecker.Audit.Canonicalization;
using System.Text.Json;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;
using MakerChecker.Audit.Verification;
using MakerChecker.Cli.Logs;
using Spectre.Console;

namespace MakerChecker.Cli.Commands;

/// <summary><c>makerchecker audit ...</c>: commands that verify and export audit evidence.</summary>
internal static class AuditCommands
{
    /// <summary>Bundles at least this large get a progress bar on an interactive terminal; smaller ones verify in moments.</summary>
    internal const long ProgressThresholdBytes = 64L * 1024 * 1024;

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, TypeInfoResolver = CliJsonContext.Default,
    };

    public static Command Create(TextWriter output, TextWriter error)
    {
        var audit = new Command("audit", "Verify and export audit evidence.");
        audit.Subcommands.Add(Verify(output, error));
        audit.Subcommands.Add(ExportCommand.Create(output, error));
        return audit;
    }

    private static Command Verify(TextWriter output, TextWriter error)
    {
        var path = new Argument<string>("PATH") { Description = AuditLogLocation.Description };
        ArgumentChecks.RejectOptionLikePaths(path);
        var key = new Option<FileInfo?>("--key") { Description = "Pin the instance's public key (SPKI PEM): a bundle signed by any other key fails." };
        var vkey = new Option<string?>("--vkey")
        {
            Description = "A live store only: pin its checkpoint key (name+keyid+base64, or a file holding it); every checkpoint signature is then checked.",
        };
        var requireCheckpoints = new Option<bool>("--require-checkpoints")
        {
            Description = "Fail unless the evidence is checked against signed checkpoints: a store's (with --vkey), or a bundle's transparency section.",
        };
        var checkpoints = new Option<string?>("--checkpoints") { Description = AuditLogLocation.CheckpointsDescription };
        var json = new Option<bool>("--json") { Description = "Write machine-readable JSON." };
        var partitions = new Option<int?>("--partitions") { Description = PartitionedVerification.PartitionsDescription };
        var verify = new Command(
            "verify",
            "Verify a bundle or a live store offline: hashes, chain, manifest and signature; a live store with checkpoints is checked against the latest. " +
            "Exit 0 verified, 1 failed, 2 usage error.");
        verify.Arguments.Add(path);
        foreach (var option in new Option[] { key, vkey, requireCheckpoints, checkpoints, json, partitions }) verify.Options.Add(option);
        verify.SetAction(async (parse, cancellationToken) =>
        {
            if (PartitionedVerification.Applies(parse.GetValue(path)!, parse.GetValue(partitions)))
            {
                return await PartitionedVerification.RunAsync(parse.GetValue(path)!, parse.GetValue(partitions), parse.GetValue(vkey),
                    parse.GetValue(checkpoints), output, error, cancellationToken).ConfigureAwait(false);
            }

            if (!AuditLogLocation.TryParse(parse.GetValue(path)!, out var log, out var invalid))
            {
                return await ArgumentChecks.UsageAsync(error, invalid!, cancellationToken).ConfigureAwait(false);
            }

            var keyFile = parse.GetValue(key);
            if (log!.IsMissingFile)
            {
                var missing = $"'{log.Display}' does not exist. Give a bundle exported with 'makerchecker audit export', a store's .jsonl file, " +
                    "sqlite:PATH or postgres:CONNECTION.";
                return await ArgumentChecks.UsageAsync(error, missing, cancellationToken).ConfigureAwait(false);
            }

            var isStore = log.IsStore;
            var required = parse.GetValue(requireCheckpoints);
            AuditVerdict verdict;
            string? pinned = null;
            LatestCheckpointCheck? checkpoint = null;
            var vkeyText = parse.GetValue(vkey);
            if (isStore)
            {
                if (keyFile is not null)
                {
                    return await ArgumentChecks.UsageAsync(error, ArgumentChecks.KeyDoesNotApplyToStore, cancellationToken).ConfigureAwait(false);
                }

                if (required && vkeyText is null)
                {
                    const string Unpinned = "--require-checkpoints needs --vkey: a checkpoint whose signature is not checked proves nothing. " +
                        "Get the key with 'makerchecker audit vkey --public-key PUBLIC.pem --origin ORIGIN'.";
                    return await ArgumentChecks.UsageAsync(error, Unpinned, cancellationToken).ConfigureAwait(false);
                }

                NoteVerifierKey? checkpointKey = null;
                if (vkeyText is not null)
                {
                    (checkpointKey, var failure) = ReceiptCommands.ReadVerifierKey(vkeyText);
                    if (checkpointKey is null) return await ArgumentChecks.UsageAsync(error, failure!, cancellationToken).ConfigureAwait(false);
                }

                try
                {
                    await using var store = await log.OpenReadOnlyAsync(cancellationToken).ConfigureAwait(false);
                    (verdict, checkpoint) = await StoreVerification.VerifyAsync(store, log.HistoryPath(parse.GetValue(checkpoints)), checkpointKey,
                        cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is FormatException or AuditStoreException or CanonicalJsonException or IOException or UnauthorizedAccessException)
                {
                    // A store too damaged to read event by event has still failed verification: say why, exit 1.
                    await error.WriteLineAsync($"FAILED: {log.Display}: the store cannot be read: {ex.Message}".AsMemory(), cancellationToken)
                        .ConfigureAwait(false);
                    return ExitCodes.Failure;
                }
            }
            else
            {
                if (vkeyText is not null)
                {
                    const string BundleVkey =
                        "--vkey applies to a live store; a bundle's checkpoints are checked under its own key: pin that with --key PUBLIC.pem.";
                    return await ArgumentChecks.UsageAsync(error, BundleVkey, cancellationToken).ConfigureAwait(false);
                }

                string? pem = null;
                if (keyFile is not null)
                {
                    if (await ArgumentChecks.ReadPinnedKeyAsync(keyFile, error, cancellationToken).ConfigureAwait(false) is not { } k) return ExitCodes.Usage;
                    (pem, pinned) = k;
                }
                var options = new BundleVerifierOptions { PinnedPublicKeyPem = pem };
                var file = new FileInfo(log.Target);
                var showProgress = IsInteractive(output) && file.Length >= ProgressThresholdBytes;
                verdict = await VerifyBundleAsync(file, options, showProgress, cancellationToken).ConfigureAwait(false);
                if (required && verdict.IsValid && verdict.CheckpointCount == 0)
                {
                    verdict = verdict with
                    {
                        IsValid = false, ReasonCode = AuditReasonCodes.CheckpointMissing,
                        Reason = "--require-checkpoints was given but the bundle has no transparency section (a run bundle never has one; " +
                            "export a full bundle of a checkpointed log with its checkpoint key)",
                    };
                }
            }

            var display = log.Display;
            if (parse.GetValue(json))
            {
                var report = new VerifyReport(
                    display, isStore ? "store" : "bundle", verdict.IsValid, verdict.EventCount, verdict.KeyFingerprint, pinned, verdict.ReasonCode,
                    verdict.Reason, verdict.FailedSeq,
                    isStore ? (checkpoint is { SignerPinned: true } ? checkpoint.Number : 0) : verdict.CheckpointCount,
                    checkpoint is null ? null : new VerifiedCheckpoint(checkpoint.Number, checkpoint.Latest.Checkpoint.Size,
                        checkpoint.Latest.Checkpoint.Root.ToString(), checkpoint.SignedBy, checkpoint.SignerPinned),
                    isStore ? checkpoint is not null : null);
                await output.WriteLineAsync(CliJson.Serialize(report, JsonOptions).AsMemory(), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var line = isStore && verdict.IsValid
                    ? StoreVerification.DescribeVerified(display, verdict, checkpoint)
                    : Describe(display, isStore, verdict, pinned);
                await output.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
            }
            return verdict.IsValid ? ExitCodes.Success : ExitCodes.Failure;
        });
        return verify;
    }

    /// <summary>The one line that says whether evidence verified, and if not, what failed where.</summary>
    internal static string Describe(string path, bool isStore, AuditVerdict verdict, string? pinned)
    {
        if (verdict.IsValid)
        {
            var trust = pinned is null ? "not pinned: compare it with the fingerprint you trust, or pass --key" : "pinned";
            var checkpoints = verdict.CheckpointCount switch
            {
                0 => string.Empty,
                1 => "; 1 signed checkpoint verified against the events",
                var n => $"; {n} signed checkpoints verified against the events",
            };
            return $"verified: {path}: {verdict.EventCount} events, hashes, chain, manifest and signature check; key {verdict.KeyFingerprint} ({trust})" +
                checkpoints;
        }
        var where = verdict.FailedSeq is { } seq ? $" at seq {seq}" : "";
        var key = verdict.KeyFingerprint is { } k ? $"; bundle key {k}" : "";
        var pinnedKey = pinned is not null && verdict.KeyFingerprint != pinned ? $"; pinned key {pinned}" : "";
        return $"FAILED: {path}{where}: {verdict.ReasonCode}: {verdict.Reason}{key}{pinnedKey}";
    }

    private static async Task<AuditVerdict> VerifyBundleAsync(FileInfo file, BundleVerifierOptions options, bool showProgress,
        CancellationToken cancellationToken)
    {
        if (!showProgress) return await BundleVerifier.VerifyFileAsync(file.FullName, options, cancellationToken).ConfigureAwait(false);

        // The bar goes to standard error, so that standard output stays the verdict alone.
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        AuditVerdict? verdict = null;
        await console.Progress().AutoClear(true).StartAsync(async context =>
        {
            var task = context.AddTask($"verifying {file.Name}", maxValue: file.Length);
            await using var stream = new ProgressStream(File.OpenRead(file.FullName), read => task.Value = read);
            verdict = await BundleVerifier.VerifyAsync(stream, options, cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return verdict!;
    }

    /// <summary>Whether the command writes to a terminal a person is watching (not a test's writer, not a pipe).</summary>
    private static bool IsInteractive(TextWriter output) =>
        ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && !Console.IsErrorRedirected;
}
