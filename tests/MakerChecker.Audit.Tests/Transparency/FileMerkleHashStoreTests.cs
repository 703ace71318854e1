using MakerChecker.Audit.Transparency;

namespace MakerChecker.Audit.Tests.Transparency;

public sealed class FileMerkleHashStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-merkle-").FullName;

    private string FilePath => Path.Combine(_directory, "audit.merkle");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_reopened_file_gives_the_same_tree_as_memory()
    {
        var leaves = MerkleTreePropertyTests.RandomLeaves(new Random(7), 1000);
        var memory = MerkleTreePropertyTests.Build(leaves);
        WriteTree(leaves[..600]);

        using (var store = FileMerkleHashStore.Open(FilePath))
        {
            Assert.Equal(0, store.DroppedBytes);
            var tree = new MerkleTree(store);
            Assert.Equal(600, tree.Size);
            Assert.Equal(memory.RootAt(600), tree.Root);
            foreach (var leaf in leaves[600..])
            {
                tree.Append(leaf);
            }

            store.Flush();
            Assert.Equal(memory.Root, tree.Root);
            Assert.Equal(memory.ProveInclusion(123, 1000), tree.ProveInclusion(123, 1000));
            Assert.Equal(memory.ProveConsistency(600, 1000), tree.ProveConsistency(600, 1000));
        }

        // 32-byte header plus 2n − popcount(n) hashes of 32 bytes.
        Assert.Equal(32 + ((2000 - 6) * 32), new FileInfo(FilePath).Length);
    }

    [Fact]
    public void Every_torn_tail_is_dropped_back_to_the_last_whole_leaf()
    {
        var leaves = MerkleTreePropertyTests.RandomLeaves(new Random(11), 64);
        var memory = MerkleTreePropertyTests.Build(leaves);
        WriteTree(leaves);

        var whole = File.ReadAllBytes(FilePath);
        // Cut the file at every byte inside the last append (leaf 63 completes six subtrees: seven hashes).
        var lastAppendStart = 32 + ((2 * 63) - System.Numerics.BitOperations.PopCount(63u)) * 32;
        for (var length = lastAppendStart; length < whole.Length; length++)
        {
            File.WriteAllBytes(FilePath, whole[..length]);
            using var store = FileMerkleHashStore.Open(FilePath);
            var tree = new MerkleTree(store);
            Assert.Equal(63, tree.Size);
            Assert.Equal(memory.RootAt(63), tree.Root);
            Assert.Equal(length - lastAppendStart, store.DroppedBytes);
            // And the tree carries on from there exactly as the uninterrupted one did.
            tree.Append(leaves[63]);
            Assert.Equal(memory.Root, tree.Root);
        }
    }

    [Fact]
    public void A_file_that_is_not_a_hash_file_is_refused()
    {
        File.WriteAllText(FilePath, "{\"not\":\"hashes\"} and some more text to pass 32 bytes");
        var error = Assert.Throws<InvalidDataException>(() => FileMerkleHashStore.Open(FilePath));
        Assert.Contains("not a Merkle hash file", error.Message, StringComparison.Ordinal);

        File.WriteAllText(FilePath, "short");
        Assert.Throws<InvalidDataException>(() => FileMerkleHashStore.Open(FilePath));
    }

    [Fact]
    public void A_torn_header_is_rewritten()
    {
        using (FileMerkleHashStore.Open(FilePath))
        {
        }

        File.WriteAllBytes(FilePath, File.ReadAllBytes(FilePath)[..10]);
        using var store = FileMerkleHashStore.Open(FilePath);
        Assert.Equal(0, store.Count);
        Assert.Equal(10, store.DroppedBytes);
        Assert.Equal(32, new FileInfo(FilePath).Length);
    }

    [Fact]
    public void A_hash_count_no_tree_produces_is_refused_by_the_tree()
    {
        var store = new MemoryMerkleHashStore();
        store.Append([default, default]); // one leaf stores one hash, two leaves three
        var error = Assert.Throws<InvalidDataException>(() => new MerkleTree(store));
        Assert.Contains("holds 2 hashes", error.Message, StringComparison.Ordinal);
    }

    private void WriteTree(byte[][] leaves)
    {
        using var store = FileMerkleHashStore.Open(FilePath);
        var tree = new MerkleTree(store);
        foreach (var leaf in leaves)
        {
            tree.Append(leaf);
        }
    }
}
