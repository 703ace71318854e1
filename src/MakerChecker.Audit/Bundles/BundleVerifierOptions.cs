namespace MakerChecker.Audit.Bundles;

/// <summary>Options of <see cref="BundleVerifier"/>.</summary>
public sealed class BundleVerifierOptions
{
    /// <summary>
    /// The instance's public key as SPKI PEM. When set, a bundle signed under any other key fails, even if its
    /// signature is otherwise valid.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the bundle's own key is used and reported by fingerprint.</value>
    public string? PinnedPublicKeyPem { get; set; }

    /// <summary>How many threads recompute event hashes.</summary>
    /// <value>The default value is <see cref="Environment.ProcessorCount"/>.</value>
    public int MaxDegreeOfParallelism { get; set; } = Environment.ProcessorCount;
}
