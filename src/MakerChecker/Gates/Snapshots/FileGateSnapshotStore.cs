using System.Globalization;

namespace MakerChecker.Gates.Snapshots;

/// <summary>
/// Gate snapshots as files in one directory beside the log (by default <c>AUDIT_LOG.snapshots/</c>), one file per
/// snapshot named by its seq (<c>gate-00000000000000012345.snapshot</c>), written to a temporary file and renamed into
/// place so that a crash never leaves a partial snapshot under a snapshot's name. Keeps the newest few.
/// </summary>
public sealed class FileGateSnapshotStore : IGateSnapshotStore
{
    private const string Prefix = "gate-";
    private const string Suffix = ".snapshot";

    private readonly string _directory;
    private readonly int _keep;

    /// <summary>Creates a store over <paramref name="directory"/> (created on the first save).</summary>
    /// <param name="directory">The directory.</param>
    /// <param name="keep">How many snapshots to keep, newest first. <value>The default value is 3.</value></param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="keep"/> is below 1.</exception>
    public FileGateSnapshotStore(string directory, int keep = 3)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        _directory = directory;
        _keep = keep;
    }

    /// <summary>The directory the snapshots are kept in.</summary>
    public string Directory => _directory;

    /// <inheritdoc/>
    public async ValueTask SaveAsync(long seq, ReadOnlyMemory<byte> snapshot, CancellationToken cancellationToken = default)
    {
        System.IO.Directory.CreateDirectory(_directory);
        var path = PathOf(seq);
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
        {
            await file.WriteAsync(snapshot, cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
        foreach (var old in (await ListAsync(cancellationToken).ConfigureAwait(false)).Skip(_keep)) File.Delete(PathOf(old));
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<long>> ListAsync(CancellationToken cancellationToken = default)
    {
        if (!System.IO.Directory.Exists(_directory)) return ValueTask.FromResult<IReadOnlyList<long>>([]);
        var seqs = new List<long>();
        foreach (var path in System.IO.Directory.EnumerateFiles(_directory, Prefix + "*" + Suffix))
        {
            var name = Path.GetFileName(path);
            var digits = name.AsSpan(Prefix.Length, name.Length - Prefix.Length - Suffix.Length);
            if (long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
            {
                seqs.Add(seq);
            }
        }
        seqs.Sort(static (a, b) => b.CompareTo(a));
        return ValueTask.FromResult<IReadOnlyList<long>>(seqs);
    }

    /// <inheritdoc/>
    public async ValueTask<byte[]?> ReadAsync(long seq, CancellationToken cancellationToken = default)
    {
        var path = PathOf(seq);
        try
        {
            return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private string PathOf(long seq) => Path.Combine(_directory, Prefix + seq.ToString("D20", CultureInfo.InvariantCulture) + Suffix);
}
