using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;

namespace MakerChecker.DependencyInjection;

/// <summary>
/// The checkpoint key of one service provider: the file <see cref="AuditCheckpointOptions.KeyPath"/> names, read once (by
/// the options validator at start, so a missing or malformed key stops the app there) and disposed with the container.
/// </summary>
internal sealed class CheckpointKey : IDisposable
{
    private readonly Lock _lock = new();
    private Ed25519AuditSigner? _loaded;
    private string? _path;

    /// <summary>
    /// The signer the options name (their own <see cref="AuditCheckpointOptions.Signer"/>, or the key file loaded), or
    /// <see langword="null"/> if none.
    /// </summary>
    /// <exception cref="InvalidOperationException">The key file is missing or is not an Ed25519 private key; the message names the option.</exception>
    public IAuditSigner? Get(AuditCheckpointOptions options)
    {
        if (options.Signer is not null || options.KeyPath is not { } path)
        {
            return options.Signer;
        }

        lock (_lock)
        {
            if (_loaded is not null && string.Equals(_path, path, StringComparison.Ordinal))
            {
                return _loaded;
            }

            if (!File.Exists(path))
            {
                throw new InvalidOperationException(
                    $"MakerCheckerOptions.Checkpoints.KeyPath '{Path.GetFullPath(path)}' does not exist. Make the app's key with " +
                    "'makerchecker keygen --out keys' and point KeyPath at keys/makerchecker.key.");
            }

            try
            {
                var signer = Ed25519KeyFile.LoadSigner(path);
                _loaded?.Dispose();
                (_loaded, _path) = (signer, path);
                return signer;
            }
            catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException(
                    $"MakerCheckerOptions.Checkpoints.KeyPath: {ex.Message} " +
                    "Give the private key 'makerchecker keygen' wrote (NAME.key, not NAME.pub.pem).", ex);
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _loaded?.Dispose();
            _loaded = null;
        }
    }
}

/// <summary>
/// Puts the gate's store under signed checkpoints (<see cref="AuditCheckpointOptions"/>): opened asynchronously on the
/// gate's first use, never by blocking a thread. An in-memory store, an already checkpointed one, or checkpoints turned
/// off leave the store as it is.
/// </summary>
internal static class CheckpointedGateStore
{
    /// <summary>Whether a store of this kind, as given, is used without checkpoints (nothing durable to sign, or signed already).</summary>
    public static bool NeedsNoCheckpoints(IAuditStore store) => store is InMemoryAuditStore or CheckpointedAuditStore;

    /// <summary>The store the gate writes to: <paramref name="store"/> under checkpoints, once opened.</summary>
    public static DeferredAuditStore Wrap(IAuditStore store, AuditCheckpointOptions options, CheckpointKey key, TimeProvider gateClock) =>
        new(async cancellationToken =>
        {
            var inner = store is DeferredAuditStore deferred ? await deferred.OpenAsync(cancellationToken).ConfigureAwait(false) : store;
            if (!options.Enabled || NeedsNoCheckpoints(inner))
            {
                return store;
            }

            var signer = key.Get(options) ?? throw new InvalidOperationException(AuditCheckpointOptions.MissingKey(inner.GetType().Name));
            if (options.FilePrefix is null && inner is not FileAuditStore)
            {
                throw new InvalidOperationException(
                    $"MakerCheckerOptions.Checkpoints.FilePrefix is not set, and a {inner.GetType().Name} has no file to keep its signed checkpoints " +
                    "beside: set it to where they go (for example the database path, giving audit.db.checkpoints), " +
                    "or opt out with Checkpoints.Enabled = false.");
            }

            // A file store derives the prefix from its own path; any other store stays behind its deferred opener,
            // whose dispose is idempotent (the container disposes it too).
            var target = inner is FileAuditStore ? inner : store;
            return await CheckpointedAuditStore.OpenAsync(target, new CheckpointedAuditStoreOptions
            {
                Signer = signer,
                Origin = options.Origin,
                FilePrefix = options.FilePrefix,
                CheckpointEveryEvents = options.CheckpointEveryEvents,
                CheckpointInterval = options.CheckpointInterval,
                TimeProvider = options.TimeProvider ?? gateClock,
            }, cancellationToken).ConfigureAwait(false);
        });
}
