using System.Runtime.InteropServices;
using System.Text;

namespace MakerChecker.Audit.Transparency;

/// <summary>
/// An <see cref="IMerkleHashStore"/> in an append-only file beside the log: a 32-byte header, then one 32-byte record
/// per hash in tree order. Opening it drops a torn tail (a partial record, or the partial hash group of an append that
/// was cut short), so the file always describes a whole tree.
/// </summary>
/// <remarks>
/// Appends go to the operating system at once and reach the disk on <see cref="Flush"/>; the owning log calls it when
/// it makes its own events durable. Hashes lost in a crash are derived data: the log re-appends the leaves of the
/// events the tree is missing (compare <see cref="MerkleTree.Size"/> with the event count on open).
/// </remarks>
public sealed class FileMerkleHashStore : IMerkleHashStore, IDisposable
{
    private const int RecordSize = MerkleHash.Size;

    // The header names the format so that a stray file is never read as hashes; it fills exactly one record.
    private static readonly byte[] Header = MakeHeader("makerchecker-merkle-hashes/v1\n");

    private readonly FileStream _file;
    private long _count;

    private FileMerkleHashStore(FileStream file, long count, long droppedBytes)
    {
        _file = file;
        _count = count;
        DroppedBytes = droppedBytes;
    }

    /// <summary>The path of the file.</summary>
    public string Path => _file.Name;

    /// <summary>How many bytes of torn tail were dropped when the file was opened (0 after a clean shutdown).</summary>
    public long DroppedBytes { get; }

    /// <inheritdoc/>
    public long Count => _count;

    /// <summary>Opens the hash file at <paramref name="path"/>, creating it when absent and dropping any torn tail.</summary>
    /// <param name="path">The file, conventionally beside the log (for example <c>audit.merkle</c>).</param>
    /// <returns>The open store; dispose it to close the file.</returns>
    /// <exception cref="InvalidDataException">The file exists but is not a hash file.</exception>
    /// <exception cref="IOException">The file could not be opened, read or repaired.</exception>
    public static FileMerkleHashStore Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        // bufferSize 0: every write goes straight to the OS, so reads through RandomAccess always see it.
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0, FileOptions.RandomAccess);
        try
        {
            var length = file.Length;
            if (length < RecordSize)
            {
                // A new file, or one whose header write was itself cut short: nothing in it can be a hash yet.
                var existing = new byte[length];
                RandomAccess.Read(file.SafeFileHandle, existing, 0);
                if (!Header.AsSpan(0, (int)length).SequenceEqual(existing))
                {
                    throw new InvalidDataException($"'{path}' is not a Merkle hash file: it is {length} bytes and does not start with the header.");
                }

                file.SetLength(0);
                RandomAccess.Write(file.SafeFileHandle, Header, 0);
                file.Flush(flushToDisk: true);
                return new FileMerkleHashStore(file, 0, length);
            }

            var header = new byte[RecordSize];
            RandomAccess.Read(file.SafeFileHandle, header, 0);
            if (!header.AsSpan().SequenceEqual(Header))
            {
                throw new InvalidDataException($"'{path}' is not a Merkle hash file (format makerchecker-merkle-hashes/v1): its header differs.");
            }

            var records = (length / RecordSize) - 1;
            var whole = StoredHashIndex.CountFor(StoredHashIndex.LeafCountWithin(records));
            var keep = (whole + 1) * RecordSize;
            if (keep != length)
            {
                file.SetLength(keep);
                file.Flush(flushToDisk: true);
            }

            return new FileMerkleHashStore(file, whole, length - keep);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public void Read(ReadOnlySpan<long> indexes, Span<MerkleHash> hashes)
    {
        ObjectDisposedException.ThrowIf(!_file.CanRead, this);
        if (hashes.Length < indexes.Length)
        {
            throw new ArgumentException($"{indexes.Length} indexes need room for as many hashes, not {hashes.Length}.", nameof(hashes));
        }

        for (var i = 0; i < indexes.Length; i++)
        {
            var index = indexes[i];
            if (index < 0 || index >= _count)
            {
                throw new ArgumentOutOfRangeException(nameof(indexes), index, $"Hash {index} is not stored; '{Path}' holds {_count}.");
            }

            var destination = MemoryMarshal.AsBytes(hashes.Slice(i, 1));
            var read = RandomAccess.Read(_file.SafeFileHandle, destination, (index + 1) * RecordSize);
            if (read != RecordSize)
            {
                throw new IOException($"'{Path}' ended inside hash {index}: another process truncated it.");
            }
        }
    }

    /// <inheritdoc/>
    public void Append(ReadOnlySpan<MerkleHash> hashes)
    {
        ObjectDisposedException.ThrowIf(!_file.CanWrite, this);
        // One write for the whole group, so a crash tears at most this append, which Open then drops.
        RandomAccess.Write(_file.SafeFileHandle, MemoryMarshal.AsBytes(hashes), (_count + 1) * RecordSize);
        _count += hashes.Length;
    }

    /// <summary>Drops every hash from <paramref name="count"/> on (a whole-tree count), to re-append them from the log.</summary>
    internal void Truncate(long count)
    {
        ObjectDisposedException.ThrowIf(!_file.CanWrite, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _count);
        _file.SetLength((count + 1) * RecordSize);
        _count = count;
    }

    /// <summary>
    /// Reads a copy of the whole-tree part of the hash file at <paramref name="path"/> into memory without opening it for
    /// writing or repairing it; <see langword="null"/> when there is no such file or it is not a hash file.
    /// </summary>
    internal static MemoryMerkleHashStore? LoadCopy(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        if (bytes.Length < RecordSize || !bytes.AsSpan(0, RecordSize).SequenceEqual(Header))
        {
            return null;
        }

        var whole = StoredHashIndex.CountFor(StoredHashIndex.LeafCountWithin((bytes.Length / RecordSize) - 1));
        var copy = new MemoryMerkleHashStore();
        copy.Append(MemoryMarshal.Cast<byte, MerkleHash>(bytes.AsSpan(RecordSize, (int)whole * RecordSize)));
        return copy;
    }

    /// <summary>Forces the appended hashes to disk (fsync).</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(!_file.CanWrite, this);
        _file.Flush(flushToDisk: true);
    }

    /// <summary>Flushes and closes the file.</summary>
    public void Dispose()
    {
        if (_file.CanWrite)
        {
            _file.Flush(flushToDisk: true);
        }

        _file.Dispose();
    }

    private static byte[] MakeHeader(string magic)
    {
        var header = new byte[RecordSize];
        Encoding.ASCII.GetBytes(magic, header);
        return header;
    }
}
