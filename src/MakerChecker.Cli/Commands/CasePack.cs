using System.Globalization;
using System.Text;
using MakerChecker.Audit.Transparency;
using MakerChecker.Cli.Logs;

namespace MakerChecker.Cli.Commands;

/// <summary>
/// The case pack <c>audit export --case</c> writes: everything a member (or their advocate) needs to check one case's
/// evidence without trusting us: the signed run bundle, one receipt per event that a signed checkpoint covers, the
/// checkpoint key, and a plain-language README.txt saying how to check them and what "verified" does and does not mean.
/// </summary>
internal static class CasePack
{
    /// <summary>The run bundle's file name in the pack.</summary>
    public const string BundleFile = "run-bundle.json";

    /// <summary>The checkpoint key's file name in the pack.</summary>
    public const string VerifierKeyFile = "vkey.txt";

    /// <summary>The folder of receipts in the pack.</summary>
    public const string ReceiptsFolder = "receipts";

    /// <summary>The README's file name in the pack.</summary>
    public const string ReadmeFile = "README.txt";

    /// <summary>
    /// Writes the receipts, the vkey and the README into <paramref name="folder"/> (which holds the verified run bundle).
    /// Without a checkpoint key (the log has no signed checkpoint, or its key is unknown) there are no receipts, and the
    /// README says so plainly.
    /// </summary>
    public static async Task<Receipts> WriteAsync(
        string folder, AuditLogLocation log, string? checkpoints, NoteVerifierKey? key, string subject, string runId, CancellationToken cancellationToken)
    {
        var result = new Receipts();
        if (key is not null)
        {
            var options = new CheckpointedAuditStoreOptions { VerifierKey = key };
            var (store, failed) = await log.OpenCheckpointedAsync(options, checkpoints, cancellationToken).ConfigureAwait(false);
            if (store is null) throw new InvalidOperationException($"the log fails verification ({failed!.ReasonCode}: {failed.Reason}).");
            await using (store.ConfigureAwait(false))
            {
                result.Covered = store.LatestCheckpoint?.Checkpoint.Size ?? 0;
                Directory.CreateDirectory(Path.Combine(folder, ReceiptsFolder));
                await File.WriteAllTextAsync(Path.Combine(folder, VerifierKeyFile), store.VerifierKey + "\n", cancellationToken).ConfigureAwait(false);
                result.Origin = store.Origin;
                await foreach (var e in store.ReadAsync(1, cancellationToken).ConfigureAwait(false))
                {
                    if (e.RunId != runId) continue;
                    if (e.Seq > result.Covered)
                    {
                        result.Uncovered.Add(e.Seq);
                        continue;
                    }

                    var receipt = await store.CreateReceiptAsync(e.Seq, cancellationToken).ConfigureAwait(false);
                    var name = $"seq-{e.Seq.ToString(CultureInfo.InvariantCulture)}.receipt.json";
                    await File.WriteAllBytesAsync(Path.Combine(folder, ReceiptsFolder, name), receipt.ToJson(), cancellationToken).ConfigureAwait(false);
                    result.Written.Add(e.Seq);
                }
            }
        }

        await File.WriteAllTextAsync(Path.Combine(folder, ReadmeFile), Readme(subject, runId, key, result), cancellationToken).ConfigureAwait(false);
        return result;
    }

    private static string Readme(string subject, string runId, NoteVerifierKey? key, Receipts receipts)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"""
            Evidence for case {subject}
            ==========================={new string('=', subject.Length)}

            This folder holds the record of every decision our system made about case {subject}: who or what asked
            for each action, which rule applied, who reviewed it, when, and what was done. You can check it yourself,
            on your own computer, without trusting us.

            What is here
              {BundleFile}   every recorded event of this case (run id {runId}), signed by us.

            """);
        if (key is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"""
                  {VerifierKeyFile}          the public key of our audit log's checkpoints ({key.Name}).
                  {ReceiptsFolder}/          one receipt per event: proof that the event is in our whole audit log, as we signed it.

                """);
        }

        text.Append(CultureInfo.InvariantCulture, $"""

            How to check it
              1. Install the checker: dotnet tool install --global MakerChecker.Cli
              2. Check the case's record:
                   makerchecker audit verify {BundleFile}
                 It prints "verified" and a key fingerprint. Ask us (or the regulator) for our published fingerprint and
                 compare: add --key OUR-PUBLIC-KEY.pem to make the check refuse any other key.

            """);
        if (receipts.Written.Count > 0)
        {
            var first = receipts.Written[0].ToString(CultureInfo.InvariantCulture);
            text.Append(CultureInfo.InvariantCulture, $"""
                  3. Check that each event is in our whole log, as we signed it at the time:
                       makerchecker audit verify-receipt {ReceiptsFolder}/seq-{first}.receipt.json --vkey {VerifierKeyFile}
                     (one receipt per event; each prints "valid").

                """);
        }

        text.Append("""
            If a verifier page came with this folder (verify.html), open it in a browser and drop run-bundle.json on it:
            it runs the same checks on your computer and sends nothing anywhere.

            What "verified" means
              - Nothing in this record was changed, removed, reordered or added after we signed it.
              - The record was signed by the key whose fingerprint is printed.

            What "verified" does not mean
              - That the decisions were right: it proves what happened and who did it, not that it was fair. You can
                still appeal, and this record is what an appeal can rely on.
              - That the key is ours: compare the fingerprint with the one we publish.
              - That nothing is missing from the case: only events recorded under this case's subject are here. The
                receipts prove each event is in our complete log; they cannot show an event we never recorded.

            """);
        if (key is null)
        {
            text.Append("""
                No receipts: our audit log had no signed checkpoint (or its checkpoint key was not available when this pack
                was made), so this pack cannot prove the events are part of our complete log. Ask us for receipts.

                """);
        }
        else if (receipts.Uncovered.Count > 0)
        {
            var seqs = string.Join(", ", receipts.Uncovered.Select(s => s.ToString(CultureInfo.InvariantCulture)));
            text.Append(CultureInfo.InvariantCulture, $"""
                No receipt yet for event(s) {seqs}: they are newer than our latest signed checkpoint. Ask us again later.

                """);
        }

        return text.ToString().ReplaceLineEndings("\n");
    }

    /// <summary>What the pack holds in receipts.</summary>
    internal sealed class Receipts
    {
        public List<long> Written { get; } = [];

        public List<long> Uncovered { get; } = [];

        public long Covered { get; set; }

        public string? Origin { get; set; }

        /// <summary>The line the command prints about them.</summary>
        public string Describe() => Origin is null
            ? "no receipts: the log has no signed checkpoint (or its checkpoint key is unknown: pass --vkey), so the pack cannot prove the events " +
                "are in the whole log; the README says so"
            : $"{Written.Count} receipt(s) under the latest signed checkpoint (size {Covered.ToString(CultureInfo.InvariantCulture)}, origin {Origin})" +
                (Uncovered.Count == 0 ? string.Empty : $"; {Uncovered.Count} newer event(s) have none yet (no signed checkpoint covers them)");
    }
}
