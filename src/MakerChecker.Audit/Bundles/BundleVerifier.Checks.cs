using System.Globalization;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Verification;
using static MakerChecker.Audit.Verification.AuditReasonCodes;

namespace MakerChecker.Audit.Bundles;

public static partial class BundleVerifier
{
    /// <summary>The checks of audit-format.md §6 that are not per row: the signature and pinned key, then the verdict in the spec's order.</summary>
    private sealed partial class Verification
    {
        /// <summary>audit-format.md §6 step 1: the manifest's key, its signature, and the pinned key.</summary>
        private AuditVerdict? CheckSignature(BundleManifest manifest, ReadOnlySpan<byte> signingBytes)
        {
            if (!PublicKeyPem.TryDecode(manifest.PublicKeyPem, out var key))
            {
                return AuditVerdict.Fail(InvalidPublicKey, "the manifest's publicKeyPem is not an Ed25519 SPKI PEM public key");
            }

            _fingerprint = PublicKeyPem.Fingerprint(key);
            _publicKey = key;
            var signature = new byte[64];
            if (!Convert.TryFromBase64String(manifest.Signature, signature, out var length) || length != 64 ||
                Convert.ToBase64String(signature) != manifest.Signature ||
                !Ed25519AuditSigner.Verify(key, signingBytes, signature))
            {
                return AuditVerdict.Fail(SignatureInvalid,
                    $"the manifest signature does not verify under the bundle's public key {_fingerprint}");
            }

            if (_pinnedKey is not null && !_pinnedKey.AsSpan().SequenceEqual(key))
            {
                return AuditVerdict.Fail(PinnedKeyMismatch,
                    $"the bundle is signed by {_fingerprint}, not by the pinned key {PublicKeyPem.Fingerprint(_pinnedKey)}");
            }

            return null;
        }

        private AuditVerdict Conclude()
        {
            var m = _manifest!;
            var c = _checker!;
            var failure = _signatureFailure ??
                (c.Count != m.Count ? AuditVerdict.Fail(CountMismatch, $"event count {c.Count} does not match the manifest count {m.Count}")
                : c.DigestHex() != m.EventHashesDigest ? AuditVerdict.Fail(DigestMismatch,
                    $"event hash digest mismatch: the events' hashes give {c.DigestHex()}, the manifest's eventHashesDigest is {m.EventHashesDigest} " +
                    "(events removed, added or reordered)")
                : c.HashFailure ?? c.LinkFailure ?? CheckEnds(m, c) ?? _transparencyFailure ?? _transparency?.Conclude());
            return WithKey(failure ?? new AuditVerdict { IsValid = true, CheckpointCount = _transparency?.Count ?? 0 });
        }

        private static AuditVerdict? CheckEnds(BundleManifest m, ChainChecker c)
        {
            if (c.Count == 0)
            {
                return m.HeadHash is null && m.FirstSeq is null && m.LastSeq is null
                    ? null
                    : AuditVerdict.Fail(HeadMismatch, "the bundle has no events but its manifest states a head hash or seq range");
            }

            if (m.HeadHash != c.Head.ToHex())
            {
                return AuditVerdict.Fail(HeadMismatch,
                    $"head hash mismatch: the last event's hash is {c.Head.ToHex()}, the manifest's headHash is {m.HeadHash}", c.LastSeq);
            }

            var first = c.FirstSeq.ToString(CultureInfo.InvariantCulture);
            var last = c.LastSeq.ToString(CultureInfo.InvariantCulture);
            return m.FirstSeq == first && m.LastSeq == last
                ? null
                : AuditVerdict.Fail(SeqMismatch,
                    $"the events run from seq {first} to {last}, the manifest states firstSeq {m.FirstSeq} and lastSeq {m.LastSeq}");
        }

        private AuditVerdict WithKey(AuditVerdict verdict) =>
            verdict with { KeyFingerprint = _fingerprint, EventCount = _checker?.Count ?? 0 };
    }
}
