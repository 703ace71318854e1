using System.Runtime.CompilerServices;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Verification;
using MakerChecker.Auditing;
using MakerChecker.Auditing.Events;

namespace MakerChecker.Review.Reporting;

/// <summary>What a review report says about the evidence itself: where it came from, whether it verified, what it spans.</summary>
/// <param name="Path">The bundle or store file.</param>
/// <param name="Kind"><c>bundle</c> or <c>file store</c>.</param>
/// <param name="Verdict">The verification verdict, reached before the evidence was read. A report on evidence that did not verify says so prominently.</param>
/// <param name="PolicyHashes">The policy hashes activated in the evidence, in order of first activation.</param>
/// <param name="From">The first event's <c>occurredAt</c>, or <see langword="null"/> when there are no events.</param>
/// <param name="To">The last event's <c>occurredAt</c>, or <see langword="null"/> when there are no events.</param>
/// <param name="EventCount">How many events were read.</param>
public sealed record ReviewEvidenceSummary(
    string Path, string Kind, AuditVerdict Verdict, IReadOnlyList<string> PolicyHashes, string? From, string? To, long EventCount);

/// <summary>
/// Opens a bundle or a file store, verifies it first (the report says prominently when it did not verify), then
/// streams its events into the detector's evidence while noting the policy hashes and the time range.
/// </summary>
public static class ReviewEvidenceSource
{
    /// <summary>
    /// Verifies a signed bundle (or a file store's chain), then reads its events into detector evidence.
    /// Verification comes first and its verdict is part of the summary; reading does not stop on a failed verdict, so
    /// that an inspector can still see what the evidence claims, clearly marked as unverified.
    /// </summary>
    /// <param name="path">A bundle (<c>{"manifest": …}</c>) or a file store (JSON Lines).</param>
    /// <param name="bundleOptions">
    /// How a bundle is verified, for example with a pinned public key. A live store is chained but not signed, so a
    /// pinned key cannot apply to one: passing one with a store is refused rather than silently ignored.
    /// </param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>What the evidence is and whether it verified, and the detector's input.</returns>
    /// <exception cref="AuditEventFormatException">An event of a type the report reads (including <c>policy.activated</c>) has a malformed payload.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="bundleOptions"/> pins a key and <paramref name="path"/> is a live store, not a signed bundle.
    /// </exception>
    public static async Task<(ReviewEvidenceSummary Summary, ReviewEvidence Evidence)> LoadAsync(
        string path, BundleVerifierOptions? bundleOptions = null, CancellationToken cancellationToken = default)
    {
        var isBundle = await LooksLikeBundleAsync(path, cancellationToken).ConfigureAwait(false);
        var tap = new Tap();
        if (isBundle)
        {
            var verdict = await BundleVerifier.VerifyFileAsync(path, bundleOptions, cancellationToken).ConfigureAwait(false);
            var events = tap.Observe(BundleReader.ReadFileAsync(path, cancellationToken), cancellationToken);
            var evidence = await ReviewEvidenceReader.ReadAsync(events, cancellationToken).ConfigureAwait(false);
            return (tap.Summary(path, "bundle", verdict), evidence);
        }

        if (bundleOptions?.PinnedPublicKeyPem is not null)
        {
            throw new ArgumentException(
                $"'{path}' is a live store, which is hash-chained but not signed, so a pinned key cannot be checked against it: " +
                "export a signed bundle and report on that.",
                nameof(bundleOptions));
        }

        var store = await FileAuditStore.OpenReadOnlyAsync(path, cancellationToken).ConfigureAwait(false);
        await using (store.ConfigureAwait(false))
        {
            return await LoadStoreAsync(store, path, "file store", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Verifies a live store's chain, then reads its events into detector evidence, as <see cref="LoadAsync"/> does for a
    /// file: for a store opened otherwise (read-only SQLite or PostgreSQL, <c>makerchecker review report sqlite:PATH</c>).
    /// </summary>
    /// <param name="store">The store, opened (read-only, for an inspector); the caller disposes it.</param>
    /// <param name="name">How the report names the evidence (never a connection string's password).</param>
    /// <param name="kind">What the evidence is, for example <c>SQLite store</c>.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>What the evidence is and whether it verified, and the detector's input.</returns>
    /// <exception cref="AuditEventFormatException">An event of a type the report reads has a malformed payload.</exception>
    public static async Task<(ReviewEvidenceSummary Summary, ReviewEvidence Evidence)> LoadStoreAsync(
        IAuditStore store, string name, string kind, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var tap = new Tap();
        var verdict = await AuditStoreVerifier.VerifyAsync(store, cancellationToken).ConfigureAwait(false);
        var events = tap.Observe(store.ReadAsync(1, cancellationToken), cancellationToken);
        var evidence = await ReviewEvidenceReader.ReadAsync(events, cancellationToken).ConfigureAwait(false);
        return (tap.Summary(name, kind, verdict), evidence);
    }

    /// <summary>A bundle is one JSON object that opens with its manifest; a file store is JSON Lines of events.</summary>
    private static async Task<bool> LooksLikeBundleAsync(string path, CancellationToken cancellationToken)
    {
        var file = File.OpenRead(path);
        await using (file.ConfigureAwait(false))
        {
            var head = new byte[256];
            var read = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            var text = System.Text.Encoding.UTF8.GetString(head, 0, read).TrimStart();
            return text.StartsWith('{') && text[1..].TrimStart().StartsWith("\"manifest\"", StringComparison.Ordinal);
        }
    }

    private sealed class Tap
    {
        private readonly List<string> _policies = [];
        private string? _from;
        private string? _to;
        private long _count;

        public async IAsyncEnumerable<AuditEvent> Observe(
            IAsyncEnumerable<AuditEvent> events, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var e in events.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                _count++;
                _from ??= e.OccurredAt;
                _to = e.OccurredAt;
                if (e.EventType == AuditEventTypes.PolicyActivated && AuditEventReader.Read<PolicyActivated>(e).PolicyHash is var h && !_policies.Contains(h))
                {
                    _policies.Add(h);
                }
                yield return e;
            }
        }

        public ReviewEvidenceSummary Summary(string path, string kind, AuditVerdict verdict) => new(path, kind, verdict, _policies, _from, _to, _count);
    }
}
