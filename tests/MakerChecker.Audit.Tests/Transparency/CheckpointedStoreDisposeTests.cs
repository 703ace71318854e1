using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Tests.Support;
using MakerChecker.Audit.Transparency;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Audit.Tests.Transparency;

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
}
