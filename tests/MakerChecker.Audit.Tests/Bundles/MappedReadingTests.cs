using System.Diagnostics;
using System.Text;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Tests.Support;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Tests.Bundles;

/// <summary>
/// A bundle file read through a memory map (Linux, under a read lease; <see cref="MappedBundleFile"/>) gets exactly
/// the verdict, reason code and failing seq of the same bytes read as a stream, whatever the window size; and a writer
/// that wants the file while it is mapped never meets a mapped page: the verifier lets go of the map and reads the rest
/// as a stream, so a file truncated under it fails as truncated instead of killing the process with SIGBUS.
/// </summary>
[Collection(MappedReadingCollection.Name)]
public sealed class MappedReadingTests
{
    private static readonly Lazy<Task<byte[]>> Bundle = new(() => VerifierPipelineTests.ExportAsync()); // about 2.3 MB

    /// <summary>The bundle, and what can go wrong with a file: a changed row, a cut in a row, a cut after the rows, bytes after the end.</summary>
    private static async Task<IEnumerable<(string Name, byte[] Bytes)>> CasesAsync()
    {
        var bundle = await Bundle.Value;
        var text = Encoding.UTF8.GetString(bundle);
        var tampered = Encoding.UTF8.GetBytes(text.Replace("\"req-01711\"", "\"req-01711x\"", StringComparison.Ordinal));
        var lastRowEnd = text.LastIndexOf('}', text.LastIndexOf(']'));
        return
        [
            ("valid", bundle),
            ("tampered", tampered),
            ("cut inside a row", bundle[..(bundle.Length * 2 / 3)]),
            ("cut after the last row", bundle[..(lastRowEnd + 1)]),
            ("trailing data", [.. bundle, .. "{}"u8]),
            ("one byte", bundle[..1]),
        ];
    }

    [Theory]
    [InlineData(512)] // smaller than a row: windows grow until a row fits, and shrink again
    [InlineData(64 * 1024)]
    [InlineData(MappedBundleFile.WindowBytes)]
    public async Task Mapped_and_streamed_files_get_the_same_verdict_as_the_reference(int windowBytes)
    {
        if (!OperatingSystem.IsLinux()) return; // the map is used on Linux only; elsewhere both paths are the stream

        using var dir = new TempDir();
        var path = dir.File("bundle.json");
        foreach (var (name, bytes) in await CasesAsync())
        {
            await File.WriteAllBytesAsync(path, bytes);
            var mapped = new MappedReading { WindowBytes = windowBytes };
            var viaMap = await BundleVerifier.VerifyFileAsync(path, null, mapped, CancellationToken.None);
            var viaStream = await BundleVerifier.VerifyFileAsync(path, null, new MappedReading { Enabled = false }, CancellationToken.None);

            Assert.True(mapped.WasMapped, name);
            var reference = ReferenceBundleVerifier.Verify(bytes);
            ReferenceAgreement.AssertSame(reference, viaMap);
            ReferenceAgreement.AssertSame(reference, viaStream);
            Assert.Equal(viaStream.Reason, viaMap.Reason);
            Assert.Equal(name == "valid", viaMap.IsValid);
        }
    }

    [Fact]
    public async Task A_file_truncated_while_mapped_fails_as_truncated_without_touching_the_lost_pages()
    {
        if (!OperatingSystem.IsLinux()) return;

        using var dir = new TempDir();
        var path = dir.File("bundle.json");
        var bundle = await Bundle.Value;
        await File.WriteAllBytesAsync(path, bundle);
        Process? writer = null;
        var mapped = new MappedReading
        {
            WindowBytes = 64 * 1024,
            BeforeWindow = async (index, map) =>
            {
                if (index != 3) return;

                // Another process truncates the file (a blocking open with O_TRUNC): the kernel holds it back while this
                // process has the lease. (coreutils' truncate opens without blocking, and just fails while the lease holds.)
                writer = Process.Start("sh", ["-c", $": > '{path}'"])!;
                await WaitUntilAsync(() => map.IsLeaseBroken);
                Assert.False(writer.HasExited);
                Assert.Equal(bundle.Length, new FileInfo(path).Length);
            },
            AfterLeaseReleased = async () => await writer!.WaitForExitAsync(), // the truncation happens now
        };

        var verdict = await BundleVerifier.VerifyFileAsync(path, null, mapped, CancellationToken.None);

        Assert.True(mapped.WasMapped);
        Assert.Equal(0, writer!.ExitCode);
        Assert.Equal(0, new FileInfo(path).Length);
        Assert.False(verdict.IsValid);
        Assert.Equal(AuditReasonCodes.MalformedJson, verdict.ReasonCode);
        Assert.Contains("truncated", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_opened_for_writing_but_unchanged_is_read_on_as_a_stream_and_verifies()
    {
        if (!OperatingSystem.IsLinux()) return;

        using var dir = new TempDir();
        var path = dir.File("bundle.json");
        await File.WriteAllBytesAsync(path, await Bundle.Value);
        Process? writer = null;
        var leaseBroken = false;
        var mapped = new MappedReading
        {
            WindowBytes = 64 * 1024,
            BeforeWindow = async (index, map) =>
            {
                if (index != 5) return;
                writer = Process.Start("sh", ["-c", $": >> '{path}'"])!; // opens the file for appending, writes nothing
                await WaitUntilAsync(() => map.IsLeaseBroken);
                leaseBroken = true;
            },
            AfterLeaseReleased = async () => await writer!.WaitForExitAsync(),
        };

        var verdict = await BundleVerifier.VerifyFileAsync(path, null, mapped, CancellationToken.None);

        Assert.True(leaseBroken);
        Assert.True(verdict.IsValid, verdict.Reason);
        Assert.Equal(ReferenceBundleVerifier.Verify(await Bundle.Value).EventCount, verdict.EventCount);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(20), "the writer never asked for the file");
            await Task.Delay(10);
        }
    }
}

/// <summary>
/// The mapped reading tests run alone, with no other test of this assembly at the same time. The kernel grants the read
/// lease only while no one has the file open for writing, and a test here writes its file just before it is verified: a
/// child process another test starts meanwhile (<see cref="Process.Start()"/> forks, then execs) holds a copy of every
/// open descriptor of this process until its exec, the writing one included, and the lease is then refused (the file is
/// read as a stream, as it should be, but the test asserts that it was mapped). Observed: 5 runs of 8 failed so while a
/// test started short processes in parallel, none of 25 without.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MappedReadingCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Mapped reading (alone)";
}
