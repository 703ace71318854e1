using System.Globalization;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Partitions;

/// <summary>
/// An audit log split into named chains (partitions), each with its own genesis, head, Merkle tree and signed checkpoints
/// (a <see cref="CheckpointedAuditStore"/> per chain), and a signed <see cref="PartitionIndex"/> of every chain's latest
/// checkpoint, signed with each round: every <see cref="PartitionedAuditLogOptions.CheckpointInterval"/> in which a chain
/// grew, on demand (<see cref="CheckpointAsync"/>) and when the log is closed. Appends to different chains never contend.
/// </summary>
/// <remarks>
/// Opening refuses a log whose index names a chain that was not given (<c>partition_missing</c>), or a chain that no longer
/// extends the checkpoint the index lists for it. Chains may be added (a later index lists them); none may be removed.
/// Which chain a call goes to is the gate's business (<c>PartitionedGate</c> in the MakerChecker package).
/// </remarks>
public sealed class PartitionedAuditLog : IAsyncDisposable
{
    /// <summary>The index file's name in <see cref="PartitionedAuditLogOptions.Directory"/>.</summary>
    public const string IndexFileName = "partitions.index";

    private readonly string[] _names;
    private readonly Dictionary<string, IAuditStore> _chains;
    private readonly PartitionedAuditLogOptions _options;
    private readonly string? _indexPath;
    private readonly SemaphoreSlim _round = new(1, 1);
    private ITimer? _timer;
    private PartitionIndex? _latest;
    private volatile bool _disposed;

    private PartitionedAuditLog(string[] names, Dictionary<string, IAuditStore> chains, PartitionedAuditLogOptions options, PartitionIndex? latest)
    {
        _names = names;
        _chains = chains;
        _options = options;
        _latest = latest;
        _indexPath = options.Signer is null || options.Directory is null ? null : Path.Combine(options.Directory, IndexFileName);
        if (options.Signer is not null)
        {
            VerifierKey = NoteVerifierKey.FromEd25519(options.Origin!, options.Signer.PublicKey.Span);
            _timer = options.TimeProvider.CreateTimer(_ => _ = OnTimerAsync(), null, options.CheckpointInterval, options.CheckpointInterval);
        }
    }

    /// <summary>The chains' names, in the order they were given.</summary>
    public IReadOnlyList<string> Chains => _names;

    /// <summary>The index's verifier key (named after the origin), or <see langword="null"/> when the log is not signed.</summary>
    public NoteVerifierKey? VerifierKey { get; }

    /// <summary>The latest signed index, or <see langword="null"/> before the first round (or when the log is not signed).</summary>
    public PartitionIndex? LatestIndex => Volatile.Read(ref _latest);

    /// <summary>Why the last scheduled round failed (for example the signer was unreachable), or <see langword="null"/>.</summary>
    public Exception? LastScheduledRoundFailure { get; private set; }

    /// <summary>
    /// The name of chain number <paramref name="index"/> (0-based) of a log made by <see cref="OpenDirectoryAsync"/> or <see cref="InMemory"/>.
    /// </summary>
    /// <param name="index">The chain's number.</param>
    /// <returns><c>p</c> followed by the number: <c>p0</c>, <c>p1</c>, …</returns>
    public static string ChainName(int index) => "p" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>The store of one chain: append to it, read it, give it to that chain's gate.</summary>
    /// <param name="chain">The chain's name.</param>
    /// <returns>The chain's store (checkpointed when the log is signed).</returns>
    /// <exception cref="ArgumentException">The log has no chain of this name.</exception>
    public IAuditStore GetChain(string chain) =>
        _chains.TryGetValue(chain, out var store) ? store
        : throw new ArgumentException($"The partitioned log has no chain '{chain}'; its chains are {string.Join(", ", _names)}.", nameof(chain));

    /// <summary>An unsigned log of <paramref name="partitions"/> in-memory chains, for tests and demos.</summary>
    /// <param name="partitions">How many chains, at least 1.</param>
    /// <param name="timeProvider">The clock of the events' <c>occurredAt</c>. <value>The default value is <see cref="TimeProvider.System"/>.</value></param>
    /// <returns>The log.</returns>
    public static PartitionedAuditLog InMemory(int partitions, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        var names = Enumerable.Range(0, partitions).Select(ChainName).ToArray();
        var chains = names.ToDictionary(n => n, n => (IAuditStore)new InMemoryAuditStore("memory/" + n, timeProvider), StringComparer.Ordinal);
        return new PartitionedAuditLog(names, chains, new PartitionedAuditLogOptions(), null);
    }

    /// <summary>
    /// Opens (or creates) a partitioned log of <paramref name="partitions"/> file stores in <paramref name="directory"/>:
    /// <c>p0.jsonl</c>, <c>p1.jsonl</c>, … with their checkpoint files beside them, and the index.
    /// </summary>
    /// <param name="directory">The directory; created if missing.</param>
    /// <param name="partitions">How many chains, at least 1.</param>
    /// <param name="options">
    /// The signer, origin and schedule; <see cref="PartitionedAuditLogOptions.Directory"/> defaults to <paramref name="directory"/>.
    /// </param>
    /// <param name="fileOptions">
    /// Options of every chain's file store (its instance id is set per chain). <value>The default value is the defaults.</value>
    /// </param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>The open log.</returns>
    /// <exception cref="AuditStoreException">A chain cannot be opened, or the log does not match its index.</exception>
    public static async Task<PartitionedAuditLog> OpenDirectoryAsync(string directory, int partitions, PartitionedAuditLogOptions options,
        FileAuditStoreOptions? fileOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        options.Directory ??= directory;
        System.IO.Directory.CreateDirectory(directory);
        var chains = new List<KeyValuePair<string, IAuditStore>>();
        try
        {
            for (var i = 0; i < partitions; i++)
            {
                var name = ChainName(i);
                var path = Path.Combine(directory, name + ".jsonl");
                var chainOptions = new FileAuditStoreOptions
                {
                    InstanceId = File.Exists(path) ? null : (options.Origin ?? "makerchecker.audit") + "/" + name,
                    FsyncPolicy = fileOptions?.FsyncPolicy ?? AuditFsyncPolicy.GroupCommit,
                    GroupCommitWindow = fileOptions?.GroupCommitWindow ?? TimeSpan.Zero,
                    TimeProvider = fileOptions?.TimeProvider ?? options.TimeProvider,
                };
                chains.Add(new(name, await FileAuditStore.OpenAsync(path, chainOptions, cancellationToken).ConfigureAwait(false)));
            }
        }
        catch
        {
            foreach (var (_, store) in chains) await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return await OpenAsync(chains, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens a partitioned log over stores the caller opened, one per chain (for example one PostgreSQL schema each). With a
    /// signer each is put under checkpoints; the log owns the stores from then on, also when opening fails.
    /// </summary>
    /// <param name="chains">The chains: a name (<c>a-z 0-9 _ -</c>, at most 63) and its store.</param>
    /// <param name="options">The signer, origin, directory and schedule.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>The open log.</returns>
    /// <exception cref="AuditStoreException">The index cannot be read, or names a chain not given, or a chain does not extend it.</exception>
    /// <exception cref="LogRollbackException">A chain is shorter than, or diverges from, its own latest signed checkpoint.</exception>
    public static async Task<PartitionedAuditLog> OpenAsync(IReadOnlyList<KeyValuePair<string, IAuditStore>> chains, PartitionedAuditLogOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chains);
        ArgumentNullException.ThrowIfNull(options);
        var opened = new Dictionary<string, IAuditStore>(StringComparer.Ordinal);
        var pending = chains.ToList();
        try
        {
            options.Validate();
            if (chains.Count == 0) throw new ArgumentException("A partitioned log needs at least one chain.", nameof(chains));
            if (options.Signer is not null && options.Directory is not null) System.IO.Directory.CreateDirectory(options.Directory);
            foreach (var (name, store) in chains)
            {
                if (!PartitionIndex.IsValidChainName(name))
                {
                    throw new ArgumentException($"'{name}' is not a chain name: use 1 to 63 of a-z 0-9 _ -.", nameof(chains));
                }

                if (opened.ContainsKey(name)) throw new ArgumentException($"The chain '{name}' is given twice.", nameof(chains));
                opened[name] = options.Signer is null ? store : await CheckpointedAuditStore.OpenAsync(store, ChainOptions(options, name, store),
                    cancellationToken).ConfigureAwait(false);
                pending.RemoveAt(0);
            }

            var latest = await CheckIndexAsync(options, opened, cancellationToken).ConfigureAwait(false);
            return new PartitionedAuditLog([.. chains.Select(c => c.Key)], opened, options, latest);
        }
        catch
        {
            foreach (var store in opened.Values.Concat(pending.Select(p => p.Value))) await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Signs a round: every chain's checkpoint (or its latest, when it has not grown), then the index of them all, which
    /// replaces the index file. A chain's entry never moves back: each chain's checkpoints are consistent with each other.
    /// </summary>
    /// <param name="cancellationToken">Cancels a remote signing call.</param>
    /// <returns>The index now latest.</returns>
    /// <exception cref="InvalidOperationException">The log is not signed (no <see cref="PartitionedAuditLogOptions.Signer"/>).</exception>
    public async ValueTask<PartitionIndex> CheckpointAsync(CancellationToken cancellationToken = default)
    {
        if (_options.Signer is null) throw new InvalidOperationException("The partitioned log is not signed (no Signer), so it has no index.");
        await _round.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var entries = new List<PartitionIndexEntry>(_names.Length);
            foreach (var name in _names)
            {
                var signed = await ((CheckpointedAuditStore)_chains[name]).CheckpointAsync(cancellationToken).ConfigureAwait(false);
                entries.Add(new PartitionIndexEntry(name, signed.Checkpoint.Size, signed.Checkpoint.Root));
            }

            var index = await PartitionIndex.SignAsync(_options.Origin!, entries, _options.Signer, cancellationToken).ConfigureAwait(false);
            if (_indexPath is not null) PartitionIndexFile.Write(_indexPath, index.NoteText);
            Volatile.Write(ref _latest, index);
            return index;
        }
        finally
        {
            _round.Release();
        }
    }

    /// <summary>Signs a last round when a chain grew since the latest index, then closes every chain (each signs its last checkpoint).</summary>
    /// <returns>A task that completes when everything is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (_timer is not null) await _timer.DisposeAsync().ConfigureAwait(false);
        try
        {
            if (_options.Signer is not null && Grown()) await CheckpointAsync().ConfigureAwait(false);
        }
        finally
        {
            foreach (var name in _names) await _chains[name].DisposeAsync().ConfigureAwait(false);
            _round.Dispose();
        }
    }

    private bool Grown()
    {
        var latest = LatestIndex;
        return latest is null || latest.Chains.Count != _names.Length
            || latest.Chains.Any(e => ((CheckpointedAuditStore)_chains[e.Chain]).TreeSize != e.Size);
    }

    private async Task OnTimerAsync()
    {
        if (_disposed || !Grown()) return;
        try
        {
            await CheckpointAsync().ConfigureAwait(false);
            LastScheduledRoundFailure = null;
        }
#pragma warning disable CA1031 // The events are durable; a failed round is retried at the next interval and reported, never thrown at an appender.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LastScheduledRoundFailure = ex;
        }
    }

    private static CheckpointedAuditStoreOptions ChainOptions(PartitionedAuditLogOptions options, string name, IAuditStore store) => new()
    {
        Signer = options.Signer,
        Origin = PartitionIndex.ChainOrigin(options.Origin!, name),
        FilePrefix = store is FileAuditStore || options.Directory is null ? null : Path.Combine(options.Directory, name),
        CheckpointEveryEvents = options.CheckpointEveryEvents,
        CheckpointInterval = options.CheckpointInterval,
        TimeProvider = options.TimeProvider,
    };

    /// <summary>The index beside the log, checked: signed by the key, every chain it lists given, and each chain extending its entry.</summary>
    private static async Task<PartitionIndex?> CheckIndexAsync(PartitionedAuditLogOptions options, Dictionary<string, IAuditStore> chains,
        CancellationToken cancellationToken)
    {
        if (options.Signer is null || options.Directory is null) return null;
        var path = Path.Combine(options.Directory, IndexFileName);
        if (PartitionIndexFile.Read(path) is not { } text) return null;
        var key = NoteVerifierKey.FromEd25519(options.Origin!, options.Signer.PublicKey.Span);
        if (!PartitionIndex.TryOpen(text, key, out var index, out var failure))
        {
            throw new AuditStoreException($"{AuditReasonCodes.PartitionIndexInvalid}: the partition index '{path}' cannot be used: {failure}. " +
                "Keep it as evidence; check the origin and the key.");
        }

        foreach (var entry in index.Chains)
        {
            if (!chains.TryGetValue(entry.Chain, out var chain))
            {
                throw new AuditStoreException($"{AuditReasonCodes.PartitionMissing}: the partition index '{path}' lists chain '{entry.Chain}' " +
                    $"(size {entry.Size}), which was not given: open the log with every chain it has " +
                    $"({string.Join(", ", index.Chains.Select(c => c.Chain))}).");
            }

            var report = await ((CheckpointedAuditStore)chain).CheckExtendsAsync(
                new Checkpoint(PartitionIndex.ChainOrigin(index.Origin, entry.Chain), entry.Size, entry.Root), cancellationToken).ConfigureAwait(false);
            if (!report.Extends)
            {
                var code = report.ReasonCode == AuditReasonCodes.LogShorterThanCheckpoint
                    ? AuditReasonCodes.PartitionShorterThanIndex : AuditReasonCodes.PartitionDivergesFromIndex;
                throw new AuditStoreException($"{code}: chain '{entry.Chain}' does not extend the partition index '{path}': {report.Failure}.");
            }
        }

        return index;
    }
}
