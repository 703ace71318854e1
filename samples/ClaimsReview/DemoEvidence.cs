using System.Text;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;

namespace ClaimsReview;

/// <summary>The files an inspector gets, beside the log in the run folder.</summary>
/// <param name="Bundle">The signed full bundle (with its checkpoints in the <c>transparency</c> member).</param>
/// <param name="VerifierKey">The log's checkpoint verifier key (<c>audit.vkey</c>: name+keyid+base64).</param>
/// <param name="Checkpoint">The latest signed checkpoint note, byte-exact (<c>latest.checkpoint</c>).</param>
/// <param name="Receipt">One member's receipt: the physician's sign-off on their claim, with its inclusion proof.</param>
/// <param name="ReceiptClaimId">The claim the receipt is about.</param>
public sealed record EvidenceFiles(string Bundle, string VerifierKey, string Checkpoint, string Receipt, string ReceiptClaimId);

/// <summary>
/// The demo's log, signed as it is written, and the evidence cut from it: the app's key signs a checkpoint every
/// <see cref="CheckpointEveryEvents"/> events and every <see cref="CheckpointInterval"/> (on the simulated clock),
/// at the export, and when the log is closed.
/// </summary>
public static class DemoEvidence
{
    /// <summary>A checkpoint is signed once this many events have been written since the last.</summary>
    public const int CheckpointEveryEvents = 250;

    /// <summary>A checkpoint is signed once this much simulated time has passed since the last, with new events.</summary>
    public static readonly TimeSpan CheckpointInterval = TimeSpan.FromMinutes(5);

    /// <summary>Opens the run's log as the samples' default store: a file log under signed checkpoints.</summary>
    public static async Task<CheckpointedAuditStore> OpenLogAsync(string log, IAuditSigner signer, string origin, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var file = await FileAuditStore.OpenAsync(log, new FileAuditStoreOptions { TimeProvider = clock }, cancellationToken);
        try
        {
            return await CheckpointedAuditStore.OpenAsync(file, new CheckpointedAuditStoreOptions
            {
                Signer = signer,
                Origin = origin,
                CheckpointEveryEvents = CheckpointEveryEvents,
                CheckpointInterval = CheckpointInterval,
                TimeProvider = clock,
            }, cancellationToken);
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Exports the bundle (which signs a checkpoint of the whole log first), then writes the vkey, the latest checkpoint
    /// and the receipt of the sign-off on <paramref name="requestId"/> beside it.
    /// </summary>
    public static async Task<EvidenceFiles> WriteAsync(CheckpointedAuditStore store, IAuditSigner signer, string run, string requestId,
        string claimId, TimeProvider clock, CancellationToken cancellationToken)
    {
        var bundle = Path.Combine(run, "bundle.json");
        await using (var file = File.Create(bundle))
        {
            await BundleExporter.ExportFullAsync(store, signer, file, clock, cancellationToken);
        }

        var vkey = Path.Combine(run, "audit.vkey");
        await File.WriteAllTextAsync(vkey, store.VerifierKey + "\n", cancellationToken);
        var checkpoint = Path.Combine(run, "latest.checkpoint");
        await File.WriteAllBytesAsync(checkpoint, Encoding.UTF8.GetBytes(store.LatestCheckpoint!.NoteText), cancellationToken);

        var signOff = await store.ReadAsync(cancellationToken: cancellationToken)
            .FirstAsync(e => e.EventType == "approval.decided" && e.EntityId == requestId, cancellationToken);
        var receipt = Path.Combine(run, $"receipt-{claimId}.json");
        await File.WriteAllBytesAsync(receipt, (await store.CreateReceiptAsync(signOff.Seq, cancellationToken)).ToJson(), cancellationToken);
        return new EvidenceFiles(bundle, vkey, checkpoint, receipt, claimId);
    }

    /// <summary>
    /// The inspector's commands, one a line, each working as printed from the repository root (bash): the CLI on the
    /// bundle, the live log and the receipt; the case pack a member is handed and the verifier page they can open in a
    /// browser; Go's note and tlog on the checkpoint and the receipt; openssl on the checkpoint's signed text.
    /// </summary>
    public static IReadOnlyList<string> Commands(EvidenceFiles files, string log, string publicKey, string privateKey)
    {
        const string Cli = "dotnet run --project src/MakerChecker.Cli --";
        var (bundle, vkey, checkpoint, receipt, key) = (Q(files.Bundle), Q(files.VerifierKey), Q(files.Checkpoint), Q(files.Receipt), Q(publicKey));
        return
        [
            $"{Cli} audit verify {bundle} --key {key}",
            $"{Cli} audit verify {Q(log)} --vkey {vkey}",
            $"{Cli} audit verify-receipt {receipt} --vkey {vkey}",
            $"{Cli} review report {bundle} --key {key}",
            $"{Cli} audit export {Q(log)} --case claim:{files.ReceiptClaimId} --key {Q(privateKey)} --out {Q(CasePack(files))}",
            $"{Cli} verifier-page --out {Q(Path.Combine(Path.GetDirectoryName(files.Bundle)!, "verify.html"))} --force",
            $"GO111MODULE=off GOPATH=/usr/share/gocode go run eng/tlog-check/main.go {vkey} {checkpoint} {receipt}",
            // The note's signed text is everything before its blank line; the signature line's base64 is a 4-byte key id and the
            // 64-byte signature. openssl reads both from files (a pipe will not do for Ed25519), so they go to a temporary folder.
            $"d=$(mktemp -d) && sed '/^$/,$d' {checkpoint} > $d/text && tail -n 1 {checkpoint} | awk '{{print $NF}}' | base64 -d | tail -c 64 > $d/sig " +
            $"&& openssl pkeyutl -verify -pubin -inkey {key} -rawin -in $d/text -sigfile $d/sig",
        ];
    }

    /// <summary>Where the closing commands write the member's case pack: beside the bundle, named after the claim.</summary>
    public static string CasePack(EvidenceFiles files) => Path.Combine(Path.GetDirectoryName(files.Bundle)!, $"case-{files.ReceiptClaimId}");

    /// <summary>A path as one shell word: as it is when it needs no quoting, else single-quoted.</summary>
    private static string Q(string path) =>
        path.All(c => char.IsAsciiLetterOrDigit(c) || "/._-+:".Contains(c, StringComparison.Ordinal)) ? path : "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
