using System.CommandLine;
using MakerChecker.Audit.Canonicalization;
using System.Text.Json;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;
using MakerChecker.Audit.Verification;
using Spectre.Console;

namespace MakerChecker.Cli.Commands;

/// <summary><c>makerchecker audit ...</c>: commands that verify and export audit evidence.</summary>
internal static class AuditCommands
{
    /// <summary>Bundles at least this large get a progress bar on an interactive terminal; smaller ones verify in moments.</summary>
    internal const long ProgressThresholdBytes = 64L * 1024 * 1024;

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Command Create(TextWriter output, TextWriter error)
    {
        var audit = new Command("audit", "Verify and export audit evidence.");
        audit.Subcommands.Add(Verify(output, error));
        audit.Subcommands.Add(Export(output, error));
        return audit;
    }

    private static Command Verify(TextWriter output, TextWriter error)
    {
        var path = new Argument<FileInfo>("PATH") { Description = "A bundle (.json), or a live file store (.jsonl, opened read-only)." };
        ArgumentChecks.RejectOptionLikePaths(path);
        var key = new Option<FileInfo?>("--key") { Description = "Pin the instance's public key (SPKI PEM): a bundle signed by any other key fails." };
        var vkey = new Option<string?>("--vkey")
        {
            Description = "A live store only: pin its checkpoint key (name+keyid+base64, or a file holding it); every checkpoint signature is then checked.",
        };
        var json = new Option<bool>("--json") { Description = "Write machine-readable JSON." };
        var verify = new Command(
            "verify",
            "Verify a bundle or a live store offline: hashes, chain, manifest and signature; a live store with checkpoints is checked against the latest. " +
            "Exit 0 verified, 1 failed, 2 usage error.");
        verify.Arguments.Add(path);
        verify.Options.Add(key);
        verify.Options.Add(vkey);
        verify.Options.Add(json);
        verify.SetAction(async (parse, cancellationToken) =>
        {
            var file = parse.GetValue(path)!;
            var keyFile = parse.GetValue(key);
            if (!file.Exists)
            {
                var missing = $"'{file}' does not exist. Give a bundle exported with 'makerchecker audit export', or a store's .jsonl file.";
                return await ArgumentChecks.UsageAsync(error, missing, cancellationToken).ConfigureAwait(false);
            }

            var isStore = file.Extension.Equals(".jsonl", StringComparison.OrdinalIgnoreCase);

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

                NoteVerifierKey? checkpointKey = null;
                if (vkeyText is not null)
                {
                    (checkpointKey, var failure) = ReceiptCommands.ReadVerifierKey(vkeyText);
                    if (checkpointKey is null) return await ArgumentChecks.UsageAsync(error, failure!, cancellationToken).ConfigureAwait(false);
                }

                try
                {
                    (verdict, checkpoint) = await StoreVerification.VerifyAsync(file.FullName, checkpointKey, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is FormatException or AuditStoreException or CanonicalJsonException or IOException or UnauthorizedAccessException)
                {
                    // A store too damaged to read event by event has still failed verification: say why, exit 1.
                    await error.WriteLineAsync($"FAILED: {file}: the store cannot be read: {ex.Message}".AsMemory(), cancellationToken).ConfigureAwait(false);
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
                    if (await ArgumentChecks.ReadPinnedKeyAsync(keyFile, error, cancellationToken).ConfigureAwait(false) is not { } key) return ExitCodes.Usage;
                    (pem, pinned) = key;
                }
                var options = new BundleVerifierOptions { PinnedPublicKeyPem = pem };
                var showProgress = IsInteractive(output) && file.Length >= ProgressThresholdBytes;
                verdict = await VerifyBundleAsync(file, options, showProgress, cancellationToken).ConfigureAwait(false);
            }

            if (parse.GetValue(json))
            {
                var report = new
                {
                    Path = file.ToString(),
                    Kind = isStore ? "store" : "bundle",
                    Verified = verdict.IsValid,
                    verdict.EventCount,
                    verdict.KeyFingerprint,
                    PinnedKeyFingerprint = pinned,
                    verdict.ReasonCode,
                    verdict.Reason,
                    verdict.FailedSeq,
                    Checkpoint = checkpoint is null ? null : new
                    {
                        checkpoint.Number,
                        checkpoint.Latest.Checkpoint.Size,
                        Root = checkpoint.Latest.Checkpoint.Root.ToString(),
                        checkpoint.SignedBy,
                        checkpoint.SignerPinned,
                    },
                    TruncationDetectable = isStore ? checkpoint is not null : (bool?)null,
                };
                await output.WriteLineAsync(JsonSerializer.Serialize(report, JsonOptions).AsMemory(), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var line = isStore && verdict.IsValid
                    ? StoreVerification.DescribeVerified(file.ToString(), verdict, checkpoint)
                    : Describe(file.ToString(), isStore, verdict, pinned);
                await output.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
            }
            return verdict.IsValid ? ExitCodes.Success : ExitCodes.Failure;
        });
        return verify;
    }

    private static Command Export(TextWriter output, TextWriter error)
    {
        var storePath = new Argument<FileInfo>("STORE") { Description = "The live file store (.jsonl), opened read-only." };
        ArgumentChecks.RejectOptionLikePaths(storePath);
        var outFile = new Option<FileInfo>("--out") { Description = "The bundle to write; must not exist.", Required = true };
        var run = new Option<string?>("--run") { Description = "Export only the events of this run (a run bundle); without it, the whole log." };
        var key = new Option<FileInfo>("--key") { Description = "The instance's private key (PKCS#8 PEM) that signs the manifest.", Required = true };
        var export = new Command("export", "Export a signed bundle of a store's events (full, or one --run), streaming; then verify what was written.");
        export.Arguments.Add(storePath);
        export.Options.Add(outFile);
        export.Options.Add(run);
        export.Options.Add(key);
        export.SetAction(async (parse, cancellationToken) =>
        {
            var store = parse.GetValue(storePath)!;
            var destination = parse.GetValue(outFile)!;
            var keyFile = parse.GetValue(key)!;
            var runId = parse.GetValue(run);
            if (!store.Exists) return await ArgumentChecks.UsageAsync(error, $"Store '{store}' does not exist.", cancellationToken).ConfigureAwait(false);
            if (!keyFile.Exists)
            {
                var missing = $"Key file '{keyFile}' does not exist. Create one with 'makerchecker keygen --out DIR'.";
                return await ArgumentChecks.UsageAsync(error, missing, cancellationToken).ConfigureAwait(false);
            }

            if (destination.Exists)
            {
                var exists = $"'{destination}' exists; export never overwrites evidence. Choose another --out.";
                return await ArgumentChecks.UsageAsync(error, exists, cancellationToken).ConfigureAwait(false);
            }

            if (destination.Directory is not { Exists: true })
            {
                var missing = $"the directory of --out '{destination}' does not exist; create it or choose another --out.";
                return await ArgumentChecks.UsageAsync(error, missing, cancellationToken).ConfigureAwait(false);
            }
            if (runId is { Length: 0 }) return await ArgumentChecks.UsageAsync(error, "--run needs a run id.", cancellationToken).ConfigureAwait(false);

            Ed25519AuditSigner signer;
            try
            {
                signer = Ed25519KeyFile.LoadSigner(keyFile.FullName);
            }
            catch (FormatException ex)
            {
                return await ArgumentChecks.UsageAsync(error, ex.Message, cancellationToken).ConfigureAwait(false);
            }

            using (signer)
            {
                return await ExportAsync(store, destination, runId, signer, output, error, cancellationToken).ConfigureAwait(false);
            }
        });
        return export;
    }

    /// <summary>
    /// Verifies the store with its own verifier (and against its latest checkpoint, if it has one), and only if it
    /// verifies signs a bundle of it: into a temporary file in the --out directory, verified again under the signing
    /// key, then moved into place. On any failure nothing is
    /// left at --out and no temporary file remains; the reason is one line, never a stack trace.
    /// </summary>
    private static async Task<int> ExportAsync(
        FileInfo store, FileInfo destination, string? runId, Ed25519AuditSigner signer, TextWriter output, TextWriter error,
        CancellationToken cancellationToken)
    {
        var temp = Path.Combine(destination.DirectoryName!, $".{destination.Name}.{Guid.NewGuid():N}.partial");
        AuditVerdict verdict;
        try
        {
            await using (var source = await FileAuditStore.OpenReadOnlyAsync(store.FullName, cancellationToken).ConfigureAwait(false))
            {
                // The chain, and the latest checkpoint when there is one: a truncated checkpointed log is never signed.
                var (stored, _) = await StoreVerification.VerifyAsync(source, pinned: null, cancellationToken).ConfigureAwait(false);
                if (!stored.IsValid)
                {
                    var failure = $"{Describe(store.ToString(), isStore: true, stored, pinned: null)}; nothing was signed or written to '{destination}'.";
                    await error.WriteLineAsync(failure.AsMemory(), cancellationToken).ConfigureAwait(false);
                    return ExitCodes.Failure;
                }

                await using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
                if (runId is null) await BundleExporter.ExportFullAsync(source, signer, stream, cancellationToken: cancellationToken).ConfigureAwait(false);
                else await BundleExporter.ExportRunAsync(source, runId, signer, stream, cancellationToken: cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            var pinned = new BundleVerifierOptions { PinnedPublicKeyPem = signer.PublicKeyPem };
            verdict = await BundleVerifier.VerifyFileAsync(temp, pinned, cancellationToken).ConfigureAwait(false);
            if (!verdict.IsValid)
            {
                // The store verified but what was written does not (it changed under us, or the disk lied): keep nothing.
                DeleteQuietly(temp);
                var failure =
                    $"{Describe(temp, isStore: false, verdict, signer.Fingerprint)}; the bundle was discarded and nothing written to '{destination}'.";
                await error.WriteLineAsync(failure.AsMemory(), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            File.Move(temp, destination.FullName, overwrite: false);
        }
        catch (Exception ex) when (ex is AuditStoreException or IOException or UnauthorizedAccessException or FormatException or CanonicalJsonException)
        {
            DeleteQuietly(temp);
            var failure = $"error: cannot export '{store}': {ex.Message} Nothing was written to '{destination}'.";
            await error.WriteLineAsync(failure.AsMemory(), CancellationToken.None).ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException)
        {
            DeleteQuietly(temp);
            throw;
        }

        var kind = runId is null ? "full bundle" : $"run bundle for run {runId}";
        var exported = $"exported {kind}: {destination} ({verdict.EventCount} events), signed by {signer.Fingerprint}";
        await output.WriteLineAsync(exported.AsMemory(), cancellationToken).ConfigureAwait(false);
        var verified = Describe(destination.ToString(), isStore: false, verdict, signer.Fingerprint);
        await output.WriteLineAsync(verified.AsMemory(), cancellationToken).ConfigureAwait(false);
        if (runId is not null && verdict.EventCount == 0)
        {
            var warning = $"warning: the store has no events of run '{runId}'; check the run id.";
            await error.WriteLineAsync(warning.AsMemory(), cancellationToken).ConfigureAwait(false);
        }
        return ExitCodes.Success;
    }

    /// <summary>Removes a temporary file if it is there; a failure to remove it must not hide the error being reported.</summary>
    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Nothing more can be done here; the error that led here is what the user needs to see.
        }
    }

    private static string Describe(string path, bool isStore, AuditVerdict verdict, string? pinned)
    {
        if (verdict.IsValid)
        {
            var trust = pinned is null ? "not pinned: compare it with the fingerprint you trust, or pass --key" : "pinned";
            return $"verified: {path}: {verdict.EventCount} events, hashes, chain, manifest and signature check; key {verdict.KeyFingerprint} ({trust})";
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
