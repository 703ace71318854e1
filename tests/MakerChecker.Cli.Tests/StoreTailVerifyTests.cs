using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;

namespace MakerChecker.Cli.Tests;

/// <summary>
/// <c>audit verify</c> on a file store judges the bytes after its last line break by the rule recovery uses, at every
/// size: an incomplete final row is not part of the log; anything else fails verification naming the byte offset.
/// The file is never changed.
/// </summary>
public sealed class StoreTailVerifyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-cli-tail-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(100)]
    [InlineData(2 << 20)]
    [InlineData(17 << 20)]
    public async Task Trailing_bytes_that_are_not_a_torn_row_fail_verification_at_any_size(int size)
    {
        var store = await WriteStoreAsync();
        var log = await File.ReadAllBytesAsync(store);
        byte[] damaged = [.. log, .. Enumerable.Repeat((byte)'x', size)];
        await File.WriteAllBytesAsync(store, damaged);

        var (exit, output, error) = await CliRunner.RunAsync("audit", "verify", store);

        Assert.Equal(1, exit);
        Assert.Contains($"byte {log.Length}: 'x' where an event row must start", output + error, StringComparison.Ordinal);
        Assert.Equal(damaged, await File.ReadAllBytesAsync(store));
    }

    [Fact]
    public async Task An_incomplete_final_row_is_not_part_of_the_log_and_is_left_alone()
    {
        var store = await WriteStoreAsync();
        byte[] torn = [.. await File.ReadAllBytesAsync(store), .. "{\"seq\":\"5\",\"id\":\"3f2c"u8];
        await File.WriteAllBytesAsync(store, torn);

        var (exit, output, _) = await CliRunner.RunAsync("audit", "verify", store);

        Assert.Equal(0, exit);
        Assert.Contains("4 events", output, StringComparison.Ordinal);
        Assert.Equal(torn, await File.ReadAllBytesAsync(store));
    }

    private async Task<string> WriteStoreAsync()
    {
        var path = Path.Combine(_dir, "audit.jsonl");
        await using (var store = await FileAuditStore.OpenAsync(path))
        {
            for (var i = 0; i < 3; i++)
            {
                await store.AppendAsync(new AuditEntry
                {
                    Actor = new AuditActor("human", "dr.okafor", "medical-reviewer"),
                    EventType = "approval.decided",
                    Payload = new JsonObject { ["n"] = i },
                });
            }
        }

        File.Delete(path + ".lock");
        return path;
    }
}
