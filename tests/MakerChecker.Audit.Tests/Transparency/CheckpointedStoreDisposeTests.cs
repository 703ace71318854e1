using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Tests.Support;
using MakerChecker.Audit.Transparency;
using MakerChecker.Audit.Verification;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Audit.Tests.Transparency;

/// <summary>Closing a checkpointed store, and what a read-only one refuses to do.</summary>
public sealed class CheckpointedStoreDisposeTests
{
    /// <summary>
    /// Closing signs a last checkpoint; when the disk is full that fails. The failure is an <see cref="AuditStoreException"/>
    /// saying what could not be done and that the events are safe, not a raw <see cref="IOException"/>; and the inner
    /// store is still closed. The full disk is Linux's <c>/dev/full</c>, linked in as the checkpoint history.
    /// </summary>
    [Fact]
    public async Task Closing_on_a_full_disk_is_an_audit_store_exception_and_still_closes_the_inner_store()
    {
        Assert.True(OperatingSystem.IsLinux() && File.Exists("/dev/full"), "this test needs Linux's /dev/full");
        using var dir = new TempDir();
        var prefix = dir.File("audit");
        File.CreateSymbolicLink(prefix + CheckpointedAuditStore.HistoryFileSuffix, "/dev/full");
        using var signer = new Ed25519TestSigner();
        var inner = await FileAuditStore.OpenAsync(dir.File("audit.jsonl"));
        var options = new CheckpointedAuditStoreOptions
        {
            Signer = signer, Origin = "example.com/claims", FilePrefix = prefix, HashStore = new MemoryMerkleHashStore(), TimeProvider = new FakeTimeProvider(),
        };
        var store = await CheckpointedAuditStore.OpenAsync(inner, options);
        for (var i = 0; i < 3; i++)
        {
            await store.AppendAsync(CheckpointedLogs.Entry(i));
        }

        var error = await Assert.ThrowsAsync<AuditStoreException>(async () => await store.DisposeAsync());

        Assert.IsAssignableFrom<IOException>(error.InnerException);
        Assert.Contains("could not sign its last checkpoint", error.Message, StringComparison.Ordinal);
        Assert.Contains("size 4", error.Message, StringComparison.Ordinal);
        // The log was closed (its writer lock released) and every event is in it.
        await using var reopened = await FileAuditStore.OpenAsync(dir.File("audit.jsonl"));
        Assert.Equal(4, await reopened.ReadAsync().CountAsync());
    }

    /// <summary>A read-only store never signs: a receipt past its latest checkpoint is refused with a reason code, and no file changes.</summary>
    [Fact]
    public async Task A_read_only_store_refuses_a_receipt_no_checkpoint_covers_and_writes_nothing()
    {
        using var dir = new TempDir();
        var path = dir.File("audit.jsonl");
        using var signer = new Ed25519TestSigner();
        var options = new CheckpointedAuditStoreOptions { Signer = signer, Origin = "example.com/claims", TimeProvider = new FakeTimeProvider() };
        await using (var store = await CheckpointedAuditStore.OpenAsync(await FileAuditStore.OpenAsync(path), options))
        {
            await store.AppendAsync(CheckpointedLogs.Entry(0));
        }

        await using (var plain = await FileAuditStore.OpenAsync(path))
        {
            await plain.AppendAsync(CheckpointedLogs.Entry(1)); // seq 3, past the checkpoint of size 2
        }

        var files = Directory.GetFiles(dir.Path).Order(StringComparer.Ordinal).Select(f => (f, Convert.ToHexString(File.ReadAllBytes(f)))).ToList();
        var key = NoteVerifierKey.FromEd25519("example.com/claims", signer.PublicKey.Span);
        await using (var inspect = await CheckpointedAuditStore.OpenReadOnlyAsync(await FileAuditStore.OpenReadOnlyAsync(path), new() { VerifierKey = key }))
        {
            Assert.NotNull(await inspect.CreateReceiptAsync(2));
            var refused = await Assert.ThrowsAsync<CheckpointRefusedException>(async () => await inspect.CreateReceiptAsync(3));
            Assert.Equal(AuditReasonCodes.EventNotCheckpointed, refused.ReasonCode);
            Assert.Contains("CheckpointedAuditStore.CheckpointAsync", refused.Message, StringComparison.Ordinal);
        }

        Assert.Equal(files, Directory.GetFiles(dir.Path).Order(StringComparer.Ordinal).Select(f => (f, Convert.ToHexString(File.ReadAllBytes(f)))).ToList());
    }
}
