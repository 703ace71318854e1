using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Audit.Tests.Transparency;

/// <summary>
/// The signed checkpoints are read while the log signs new ones (an endpoint serving the latest checkpoint, an export
/// running beside the gate): a reader sees a consistent history, never a torn one, and no exception.
/// </summary>
public class CheckpointReadersTests
{
    private static readonly byte[] Seed = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    [Fact]
    public async Task Checkpoints_read_while_the_log_signs_are_whole_and_in_order()
    {
        const int Events = 3000;
        using var signer = new Ed25519TestSigner(Seed);
        var options = new CheckpointedAuditStoreOptions
        {
            Signer = signer, Origin = "example.com/claims", CheckpointEveryEvents = 1, TimeProvider = new FakeTimeProvider(),
        };
        await using var store = await CheckpointedAuditStore.OpenAsync(new InMemoryAuditStore(), options);
        using var done = new CancellationTokenSource();

        var reads = 0;
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reader = Task.Run(() =>
        {
            do
            {
                var latest = store.LatestCheckpoint;
                var records = store.Checkpoints;
                long previous = 0;
                foreach (var record in records)
                {
                    var size = record.Checkpoint.Checkpoint.Size;
                    Assert.True(size > previous, $"checkpoint sizes do not grow: {size} after {previous}");
                    previous = size;
                }

                // The history read after the latest checkpoint holds it (or a later one).
                Assert.True(previous >= (latest?.Checkpoint.Size ?? 0), $"the history ends at {previous}, before the latest checkpoint read first");
                reads++;
                reading.TrySetResult();
            }
            while (!done.IsCancellationRequested);
        });

        // The appends start once the reader has read (a busy thread pool may start it late: it would then never overlap them).
        await Task.WhenAny(reading.Task, reader);
        for (var i = 0; i < Events; i++)
        {
            await store.AppendAsync(CheckpointedLogs.Entry(i));
        }

        await done.CancelAsync();
        await reader; // rethrows what the reader saw
        Assert.True(reads > 0);
        Assert.Equal(Events + 1, store.LatestCheckpoint!.Checkpoint.Size);
        Assert.Equal(Events + 1, store.Checkpoints[^1].Checkpoint.Checkpoint.Size);
    }
}
