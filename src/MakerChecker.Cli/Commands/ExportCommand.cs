using System.CommandLine;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;
using MakerChecker.Audit.Verification;
using MakerChecker.Cli.Logs;

namespace MakerChecker.Cli.Commands;

/// <summary>
/// <c>makerchecker audit export STORE --out OUT --key PRIVATE.pem [--run ID | --case SUBJECT]</c>: a signed bundle of a
/// live store (file, SQLite, PostgreSQL), read-only. A full bundle of a checkpointed log carries its signed checkpoints
/// (<c>transparency</c>) when the bundle is signed with the checkpoint key; <c>--case</c> writes a case pack folder.
/// </summary>
internal static class ExportCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var storePath = new Argument<string>("STORE") { Description = AuditLogLocation.Description };
        ArgumentChecks.RejectOptionLikePaths(storePath);
        var outFile = new Option<FileInfo>("--out")
        {
            Description = "The bundle to write (with --case, the case pack folder); must not exist.", Required = true,
        };
        var run = new Option<string?>("--run") { Description = "Export only the events of this run (a run bundle); without it, the whole log." };
        var subject = new Option<string?>("--case")
        {
            Description = "Export a case pack: the run bundle of this subject (kind:id, e.g. claim:C-1009), a receipt per event, the vkey and a README.",
        };
        var key = new Option<FileInfo>("--key") { Description = "The instance's private key (PKCS#8 PEM) that signs the manifest.", Required = true };
        var vkey = ReceiptCommands.VerifierKeyOption(required: false);
        vkey.Description = "The log's checkpoint key, when it is not --key's (name+keyid+base64, or a file holding it).";
        var checkpoints = new Option<string?>("--checkpoints") { Description = AuditLogLocation.CheckpointsDescription };
        var export = new Command(
            "export",
            "Export a signed bundle of a store's events (full, one --run, or a --case pack), streaming; then verify what was written. " +
            "Exit 0 exported, 1 if the store fails verification or the run or case has no event (nothing is written), 2 usage.");
        export.Arguments.Add(storePath);
        foreach (var option in new Option[] { outFile, run, subject, key, vkey, checkpoints }) export.Options.Add(option);
        export.SetAction(async (parse, cancellationToken) =>
        {
            if (!AuditLogLocation.TryParse(parse.GetValue(storePath)!, out var log, out var invalid))
            {
                return await ArgumentChecks.UsageAsync(error, invalid!, cancellationToken).ConfigureAwait(false);
            }

            var destination = parse.GetValue(outFile)!;
            var keyFile = parse.GetValue(key)!;
            var runId = parse.GetValue(run);
            var caseSubject = parse.GetValue(subject);
            if (log!.IsMissingFile)
            {
                return await ArgumentChecks.UsageAsync(error, $"Store '{log.Display}' does not exist.", cancellationToken).ConfigureAwait(false);
            }
            if (!keyFile.Exists)
            {
                var missing = $"Key file '{keyFile}' does not exist. Create one with 'makerchecker keygen --out DIR'.";
                return await ArgumentChecks.UsageAsync(error, missing, cancellationToken).ConfigureAwait(false);
            }

            if (destination.Exists || Directory.Exists(destination.FullName))
            {
                var exists = $"'{destination}' exists; export never overwrites evidence. Choose another --out.";
                return await ArgumentChecks.UsageAsync(error, exists, cancellationToken).ConfigureAwait(false);
            }

            if (destination.Directory is not { Exists: true })
            {
                var missing = $"the directory of --out '{destination}' does not exist; create it or choose another --out.";
                return await ArgumentChecks.UsageAsync(error, missing, cancellationToken).ConfigureAwait(false);
            }

            if (runId is not null && caseSubject is not null)
            {
                return await ArgumentChecks.UsageAsync(error, "give --run or --case, not both: a case's run id is derived from its subject.", cancellationToken)
                    .ConfigureAwait(false);
            }

            if (runId is { Length: 0 }) return await ArgumentChecks.UsageAsync(error, "--run needs a run id.", cancellationToken).ConfigureAwait(false);
            if (caseSubject is not null)
            {
                if (!CaseSubject.TryValidate(caseSubject, out var malformed))
                {
                    return await ArgumentChecks.UsageAsync(error, $"--case: {malformed}", cancellationToken).ConfigureAwait(false);
                }

                runId = CaseSubject.RunIdFor(caseSubject);
            }

            NoteVerifierKey? checkpointKey = null;
            if (parse.GetValue(vkey) is { } vkeyText)
            {
                (checkpointKey, var failure) = ReceiptCommands.ReadVerifierKey(vkeyText);
                if (checkpointKey is null) return await ArgumentChecks.UsageAsync(error, failure!, cancellationToken).ConfigureAwait(false);
            }

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
                var request = new ExportRequest(log, parse.GetValue(checkpoints), destination, runId, caseSubject, signer, checkpointKey);
                return await ExportAsync(request, output, error, cancellationToken).ConfigureAwait(false);
            }
        });
        return export;
    }

    /// <summary>
    /// Verifies the store (and against its latest checkpoint, when it has one), and only if it verifies signs a bundle of
    /// it into a temporary file beside --out, verifies that again under the signing key, then moves it (or the case pack
    /// folder) into place. On any failure nothing is left at --out and no temporary file remains; the reason is one
    /// line, never a stack trace.
    /// </summary>
    private static async Task<int> ExportAsync(ExportRequest request, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var (log, destination, runId) = (request.Log, request.Destination, request.RunId);
        var temp = Path.Combine(destination.DirectoryName!, $".{destination.Name}.{Guid.NewGuid():N}.partial");
        var bundlePath = request.Subject is null ? temp : Path.Combine(temp, CasePack.BundleFile);
        AuditVerdict verdict;
        CasePack.Receipts? receipts = null;
        string? note = null;
        try
        {
            await using (var source = await log.OpenReadOnlyAsync(cancellationToken).ConfigureAwait(false))
            {
                var history = log.HistoryPath(source, request.Checkpoints);
                var (key, keyNote) = CheckpointKey(history, request.CheckpointKey, request.Signer);
                note = keyNote;

                // The chain, and the latest checkpoint when there is one: a truncated checkpointed log is never signed.
                var (stored, check) = await StoreVerification.VerifyAsync(source, history, key, cancellationToken).ConfigureAwait(false);
                if (!stored.IsValid)
                {
                    var failure = $"{AuditCommands.Describe(log.Display, isStore: true, stored, pinned: null)}; " +
                        $"nothing was signed or written to '{destination}'.";
                    await error.WriteLineAsync(failure.AsMemory(), cancellationToken).ConfigureAwait(false);
                    return ExitCodes.Failure;
                }

                if (request.Subject is not null) Directory.CreateDirectory(temp);
                await using (var stream = new FileStream(bundlePath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                {
                    var transparency = runId is null && check is not null && key is not null
                        && key.PublicKey.Span.SequenceEqual(request.Signer.PublicKey.Span);
                    if (runId is null && check is not null && !transparency)
                    {
                        note ??= "the bundle carries no transparency section: it is signed with another key than the log's checkpoints " +
                            "(export with the checkpoint key to include them)";
                    }

                    await WriteBundleAsync(source, log, request, transparency ? key : null, stream, cancellationToken).ConfigureAwait(false);
                    await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                var pinned = new BundleVerifierOptions { PinnedPublicKeyPem = request.Signer.PublicKeyPem };
                verdict = await BundleVerifier.VerifyFileAsync(bundlePath, pinned, cancellationToken).ConfigureAwait(false);
                if (!verdict.IsValid)
                {
                    // The store verified but what was written does not (it changed under us, or the disk lied): keep nothing.
                    DeleteQuietly(temp);
                    var failure = $"{AuditCommands.Describe(bundlePath, isStore: false, verdict, request.Signer.Fingerprint)}; " +
                        $"the bundle was discarded and nothing written to '{destination}'.";
                    await error.WriteLineAsync(failure.AsMemory(), cancellationToken).ConfigureAwait(false);
                    return ExitCodes.Failure;
                }

                if (runId is not null && verdict.EventCount == 0)
                {
                    DeleteQuietly(temp);
                    var what = request.Subject is null ? $"run '{runId}'" : $"case '{request.Subject}' (run id {runId})";
                    var none = $"error: the store {log.Display} has no event of {what}; nothing was written to '{destination}'. Check the " +
                        (request.Subject is null ? "run id." : "subject: it must be exactly the one the application passed.");
                    await error.WriteLineAsync(none.AsMemory(), cancellationToken).ConfigureAwait(false);
                    return ExitCodes.Failure;
                }

                if (request.Subject is not null)
                {
                    receipts = await CasePack.WriteAsync(temp, log, request.Checkpoints, key, request.Subject, runId!, cancellationToken).ConfigureAwait(false);
                }
            }

            if (request.Subject is null) File.Move(temp, destination.FullName, overwrite: false);
            else Directory.Move(temp, destination.FullName);
        }
        catch (Exception ex) when (AuditLogLocation.IsReadFailure(ex) || ex is InvalidOperationException or CheckpointRefusedException)
        {
            DeleteQuietly(temp);
            var failure = $"error: cannot export '{log.Display}': {ex.Message} Nothing was written to '{destination}'.";
            await error.WriteLineAsync(failure.AsMemory(), CancellationToken.None).ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException)
        {
            DeleteQuietly(temp);
            throw;
        }

        var kind = request.Subject is not null ? $"case pack for {request.Subject} (run {runId})"
            : runId is null ? "full bundle" : $"run bundle for run {runId}";
        var exported = $"exported {kind}: {destination} ({verdict.EventCount} events), signed by {request.Signer.Fingerprint}";
        await output.WriteLineAsync(exported.AsMemory(), cancellationToken).ConfigureAwait(false);
        var shown = request.Subject is null ? destination.ToString() : Path.Combine(destination.ToString(), CasePack.BundleFile);
        await output.WriteLineAsync(AuditCommands.Describe(shown, isStore: false, verdict, request.Signer.Fingerprint).AsMemory(), cancellationToken)
            .ConfigureAwait(false);
        if (receipts is not null)
        {
            await output.WriteLineAsync(receipts.Describe().AsMemory(), cancellationToken).ConfigureAwait(false);
        }

        if (note is not null) await error.WriteLineAsync($"note: {note}".AsMemory(), cancellationToken).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>
    /// The key the log's checkpoints are checked under: --vkey, else the signing key named after the history's origin
    /// (when it signed them); with a note when the history is signed by another key and none was given.
    /// </summary>
    private static (NoteVerifierKey? Key, string? Note) CheckpointKey(string? history, NoteVerifierKey? given, Ed25519AuditSigner signer)
    {
        if (given is not null || history is null) return (given, null);
        var records = CheckpointHistory.ReadUnverified(history);
        if (records.Count == 0) return (null, null);
        var origin = records[0].Checkpoint.Checkpoint.Origin;
        var derived = NoteVerifierKey.FromEd25519(origin, signer.PublicKey.Span);
        SignedCheckpoint.TryReadUnverified(records[^1].Checkpoint.NoteText, out _, out var signatures, out _);
        return signatures.Any(s => s.Name == derived.Name && s.KeyId == derived.KeyId)
            ? (derived, null)
            : (null, $"the log's checkpoints are signed by another key than --key, so their signatures were not checked and the bundle carries " +
                $"none of them; pass --vkey with the log's verifier key to check them");
    }

    private static async Task WriteBundleAsync(
        IAuditStore source, AuditLogLocation log, ExportRequest request, NoteVerifierKey? checkpointKey, Stream stream, CancellationToken cancellationToken)
    {
        if (request.RunId is not null)
        {
            await BundleExporter.ExportRunAsync(source, request.RunId, request.Signer, stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            return;
        }

        if (checkpointKey is null)
        {
            await BundleExporter.ExportFullAsync(source, request.Signer, stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            return;
        }

        // A read-only checkpointed view over the same open store: the exporter adds its signed checkpoints (never signs one).
        var options = new CheckpointedAuditStoreOptions { VerifierKey = checkpointKey, FilePrefix = log.CheckpointPrefix(source, request.Checkpoints) };
        var checkpointed = await CheckpointedAuditStore.OpenReadOnlyAsync(new Unowned(source), options, cancellationToken).ConfigureAwait(false);
        await using (checkpointed.ConfigureAwait(false))
        {
            await BundleExporter.ExportFullAsync(checkpointed, request.Signer, stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Removes a temporary file or folder if it is there; a failure to remove it must not hide the error being reported.</summary>
    private static void DeleteQuietly(string path)
    {
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
            else File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Nothing more can be done here; the error that led here is what the user needs to see.
        }
    }

    private sealed record ExportRequest(
        AuditLogLocation Log, string? Checkpoints, FileInfo Destination, string? RunId, string? Subject, Ed25519AuditSigner Signer,
        NoteVerifierKey? CheckpointKey);

    /// <summary>The open store, lent to a wrapper that must not close it (the export closes it once, after verifying).</summary>
    private sealed class Unowned(IAuditStore inner) : IAuditStore
    {
        public string InstanceId => inner.InstanceId;

        public ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("The export reads the log; it never appends.");

        public ValueTask<AuditEvent?> TryAppendAsync(AuditEntry entry, long expectedLastSeq, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("The export reads the log; it never appends.");

        public IAsyncEnumerable<AuditEvent> ReadAsync(long fromSeq = 1, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(fromSeq, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
