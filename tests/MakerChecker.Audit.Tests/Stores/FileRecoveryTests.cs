using System.Text;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Tests.Support;
using MakerChecker.Audit.Tests.Transparency;
using MakerChecker.Audit.Transparency;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Tests.Stores;

/// <summary>
/// Recovery drops only a final row that is provably an incomplete append of the log; anything else refuses to open,
/// names the offset and what was found, and leaves every byte (and the modification time) as it was. Opening for
/// reading never writes.
/// </summary>
public sealed class FileRecoveryTests : IDisposable
{
    private static readonly DateTime Old = new(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> NotTorn => ["newlines-as-spaces", "json-array", "nul-mebibyte", "garbage-tail", "wrong-seq-tail", "row-then-nul",
        "two-rows-no-break", "long-tail", "tail-over-16-mib"];

    [Theory]
    [MemberData(nameof(NotTorn))]
    public async Task Anything_but_an_incomplete_final_row_refuses_to_open_and_changes_nothing(string damage)
    {
        var path = _dir.File(damage + ".jsonl");
        var (bytes, expected) = await DamagedAsync(path, damage);
        await File.WriteAllBytesAsync(path, bytes);
        File.SetLastWriteTimeUtc(path, Old);

        var refused = await Assert.ThrowsAsync<AuditStoreException>(() => FileAuditStore.OpenAsync(path));
        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
        Assert.Contains("nothing in it was changed", refused.Message, StringComparison.Ordinal);
        AssertUntouched(path, bytes);

        // Read-only: never a write, never a lock file; the file either opens with a failed verdict naming the offset, or is refused.
        File.Delete(path + ".lock");
        try
        {
            await using var readOnly = await FileAuditStore.OpenReadOnlyAsync(path);
            Assert.False(readOnly.OpenVerdict.IsValid);
            Assert.Contains(expected, readOnly.OpenVerdict.Reason, StringComparison.Ordinal);
            var unreadable = await Assert.ThrowsAsync<AuditStoreException>(() => AuditStoreVerifier.VerifyAsync(readOnly));
            Assert.Contains(expected, unreadable.Message, StringComparison.Ordinal);
        }
        catch (AuditStoreException ex)
        {
            Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        }

        AssertUntouched(path, bytes);
        Assert.False(File.Exists(path + ".lock"), "opening read-only created a lock file");
    }

    [Fact]
    public async Task Every_prefix_of_an_unfinished_group_commit_recovers_to_its_whole_rows()
    {
        var path = _dir.File("group.jsonl");
        await WriteLogAsync(path, 3);
        var acknowledged = await File.ReadAllBytesAsync(path);
        await WriteLogAsync(path, 3, from: 3);
        var group = (await File.ReadAllBytesAsync(path))[acknowledged.Length..];
        var rowEnds = group.Select((b, i) => (b, i)).Where(x => x.b == (byte)'\n').Select(x => x.i + 1).ToList();

        // Cuts inside the three rows a crash could leave (each a prefix of what the writer wrote): every byte of each
        // row's start and end, every 7th byte in between.
        var cuts = Enumerable.Range(1, group.Length - 1)
            .Where(cut => cut % 7 == 0 || rowEnds.Prepend(0).Any(end => cut - end is >= 0 and < 40 || end - cut is >= 0 and < 3));
        foreach (var cut in cuts)
        {
            await File.WriteAllBytesAsync(path, [.. acknowledged, .. group[..cut]]);
            await using (var store = await FileAuditStore.OpenAsync(path))
            {
                var whole = rowEnds.LastOrDefault(end => end <= cut);
                Assert.Equal(cut - whole, store.IncompleteTailBytes);
                Assert.Equal(4 + rowEnds.Count(end => end <= cut), store.OpenVerdict.EventCount);
            }

            var kept = await File.ReadAllBytesAsync(path);
            Assert.Equal([.. acknowledged, .. group[..rowEnds.LastOrDefault(end => end <= cut)]], kept);
        }
    }

    [Fact]
    public async Task A_torn_genesis_is_a_log_that_was_never_created_and_an_empty_file_gets_its_genesis()
    {
        var path = _dir.File("new.jsonl");
        await WriteLogAsync(path, 0);
        var genesis = await File.ReadAllBytesAsync(path);
        foreach (var cut in new[] { 0, 1, 8, 12, genesis.Length - 1 })
        {
            await File.WriteAllBytesAsync(path, genesis[..cut]);
            await using var store = await FileAuditStore.OpenAsync(path);
            Assert.Equal(1, store.OpenVerdict.EventCount);
            Assert.True((await AuditStoreVerifier.VerifyAsync(store)).IsValid);
        }
    }

    [Fact]
    public async Task Opening_read_only_never_writes_not_even_a_torn_row_or_a_genesis()
    {
        var path = _dir.File("torn.jsonl");
        await WriteLogAsync(path, 2);
        var torn = (byte[])[.. await File.ReadAllBytesAsync(path), .. "{\"seq\":\"4\",\"id\":\"7b"u8];
        await File.WriteAllBytesAsync(path, torn);
        File.SetLastWriteTimeUtc(path, Old);
        File.Delete(path + ".lock"); // left by the writer that made the log
        await using (var store = await FileAuditStore.OpenReadOnlyAsync(path))
        {
            Assert.True(store.OpenVerdict.IsValid, store.OpenVerdict.Reason);
            Assert.Equal(19, store.IncompleteTailBytes);
            var verdict = await AuditStoreVerifier.VerifyAsync(store);
            Assert.True(verdict.IsValid, verdict.Reason);
            Assert.Equal(3, verdict.EventCount);
        }

        AssertUntouched(path, torn);
        var empty = _dir.File("empty.jsonl");
        await File.WriteAllBytesAsync(empty, []);
        await Assert.ThrowsAsync<AuditStoreException>(() => FileAuditStore.OpenReadOnlyAsync(empty));
        Assert.Empty(await File.ReadAllBytesAsync(empty));
        Assert.False(File.Exists(path + ".lock") || File.Exists(empty + ".lock"), "opening read-only created a lock file");
    }

    [Fact]
    public async Task A_checkpointed_log_that_is_not_a_log_any_more_is_refused_before_anything_is_wiped()
    {
        var path = _dir.File("checkpointed.jsonl");
        using var signer = Ed25519AuditSigner.Generate();
        var options = new CheckpointedAuditStoreOptions { Signer = signer };
        await using (var store = await CheckpointedAuditStore.OpenAsync(await FileAuditStore.OpenAsync(path), options))
        {
            for (var i = 0; i < 20; i++)
            {
                await store.AppendAsync(CheckpointedLogs.Entry(i));
            }
        }

        var joined = (await File.ReadAllBytesAsync(path)).Select(b => b == (byte)'\n' ? (byte)' ' : b).ToArray();
        await File.WriteAllBytesAsync(path, joined);
        var before = Directory.GetFiles(_dir.Path).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal))
            .ToDictionary(f => f, f => File.ReadAllBytes(f));
        await Assert.ThrowsAsync<AuditStoreException>(async () =>
            await CheckpointedAuditStore.OpenAsync(await FileAuditStore.OpenAsync(path), options));
        foreach (var (file, bytes) in before)
        {
            Assert.Equal(bytes, await File.ReadAllBytesAsync(file));
        }
    }

    private async Task<(byte[] Bytes, string Expected)> DamagedAsync(string path, string damage)
    {
        await WriteLogAsync(path, 3);
        var log = await File.ReadAllBytesAsync(path);
        var rows = Encoding.UTF8.GetString(log).TrimEnd('\n').Split('\n');
        var first = Encoding.UTF8.GetByteCount(rows[0]);
        return damage switch
        {
            "newlines-as-spaces" => (log.Select(b => b == (byte)'\n' ? (byte)' ' : b).ToArray(), $"byte {first}: ' ' after an event row that is complete"),
            "json-array" => (Encoding.UTF8.GetBytes("[" + string.Join(",", rows) + "]"), "byte 0: '[' where an event row must start"),
            "nul-mebibyte" => (new byte[1 << 20], "byte 0: 0x00 where an event row must start"),
            "garbage-tail" => ([.. log, .. "hello"u8], $"byte {log.Length}: 'h' where an event row must start"),
            "wrong-seq-tail" => ([.. log, .. "{\"seq\":\"9\",\"id\""u8], $"byte {log.Length}: a row with seq \"9\" where the next row of this log is seq 5"),
            "row-then-nul" => ([.. log, .. "{\"seq\":\"5\",\"id\":\"ab"u8, .. new byte[4096]], $"byte {log.Length + 19}: 0x00, a control character"),
            "two-rows-no-break" => ([.. log, .. Encoding.UTF8.GetBytes(rows[1].Replace("\"seq\":\"2\"", "\"seq\":\"5\"", StringComparison.Ordinal)), .. "{"u8],
                $"byte {log.Length + Encoding.UTF8.GetByteCount(rows[1])}: '{{' after an event row that is complete"),
            "long-tail" => ([.. log, .. "{\"seq\":\"5\",\"id\":\""u8, .. Enumerable.Repeat((byte)'x', 2 << 20)],
                $"byte {log.Length}: {(2 << 20) + 17} bytes without a line break, longer than an event row can be"),
            "tail-over-16-mib" => ([.. log, .. "{\"seq\":\"5\",\"id\":\""u8, .. Enumerable.Repeat((byte)'x', 17 << 20)], $"byte {log.Length}:"),
            _ => throw new ArgumentOutOfRangeException(nameof(damage)),
        };
    }

    private static void AssertUntouched(string path, byte[] bytes)
    {
        Assert.Equal(Old, File.GetLastWriteTimeUtc(path));
        Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(path)), "the file's bytes changed");
    }

    private static async Task WriteLogAsync(string path, int count, int from = 0)
    {
        await using var store = await FileAuditStore.OpenAsync(path);
        for (var i = from; i < from + count; i++)
        {
            await store.AppendAsync(new AuditEntry
            {
                Actor = new AuditActor("human", "reviewer-" + i, "claims-reviewer"),
                EventType = "approval.decided",
                EntityType = "approval_request",
                EntityId = "req-" + i,
                Payload = new JsonObject { ["n"] = i, ["reason"] = "looks right ✓" },
            });
        }
    }
}
