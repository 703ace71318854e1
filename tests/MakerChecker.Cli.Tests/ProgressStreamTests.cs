using MakerChecker.Cli.Commands;

namespace MakerChecker.Cli.Tests;

public class ProgressStreamTests
{
    [Fact]
    public async Task Reports_every_byte_read_and_passes_the_bytes_through()
    {
        var data = Enumerable.Range(0, 100_000).Select(i => (byte)i).ToArray();
        var reported = new List<long>();
        await using var stream = new ProgressStream(new MemoryStream(data), reported.Add);
        using var copy = new MemoryStream();

        await stream.CopyToAsync(copy, bufferSize: 4096);

        Assert.Equal(data, copy.ToArray());
        Assert.Equal(data.Length, reported[^1]);
        Assert.Equal(reported.Order(), reported);
    }
}
