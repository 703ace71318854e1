using System.Security.Cryptography;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Tests.Events;

/// <summary>
/// The verifier's per-thread SHA-256 (libcrypto's low-level functions on Linux) must give exactly the platform's
/// SHA-256 for every input, including after many reuses of one context.
/// </summary>
public sealed class EventSha256Tests
{
    [Property(MaxTest = 10000)]
    public Property Every_input_hashes_as_the_platform_sha256_does(byte[] data, NonNegativeInt repeat)
    {
        using var sha = new EventSha256();
        var expected = SHA256.HashData(data);
        // Reuse the same context a few times, as a verifier thread does for millions of events.
        var results = Enumerable.Range(0, 1 + repeat.Get % 3).Select(_ => sha.Hash(data).ToHex()).ToArray();
        return results.All(r => r == Convert.ToHexStringLower(expected)).Label($"{data.Length} bytes");
    }

    [Fact]
    public void Inputs_across_block_boundaries_and_long_inputs_hash_as_the_platform_does()
    {
        using var sha = new EventSha256();
        var random = new Random(8785);
        foreach (var length in new[] { 0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 809, 4096, 1 << 20 })
        {
            var data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), sha.Hash(data).ToHex());
        }
    }

    [Fact]
    public void On_linux_in_ci_the_libcrypto_path_is_the_one_tested()
    {
        // Otherwise the properties above would only compare the platform's SHA-256 with itself.
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("CI") != "true") return;
        Assert.True(EventSha256.UsesLibcrypto, "libcrypto's SHA256_Init/Update/Final were not found or failed their known answers");
    }

    [Fact]
    public void Each_thread_has_its_own_hasher_and_every_one_hashes_as_the_platform_does()
    {
        // The appender and the gate's payload digest hash with this thread's instance; threads must never share one.
        Assert.Same(EventSha256.ForCurrentThread, EventSha256.ForCurrentThread);
        var instances = new EventSha256[8];
        var mismatches = 0;
        var threads = Enumerable.Range(0, instances.Length).Select(t => new Thread(() =>
        {
            instances[t] = EventSha256.ForCurrentThread;
            var random = new Random(t);
            for (var i = 0; i < 2000; i++)
            {
                var data = new byte[random.Next(0, 900)];
                random.NextBytes(data);
                if (EventSha256.ForCurrentThread.Hash(data).ToHex() != Convert.ToHexStringLower(SHA256.HashData(data)))
                {
                    Interlocked.Increment(ref mismatches);
                }
            }
        })).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();

        Assert.Equal(0, mismatches);
        Assert.Equal(instances.Length, instances.Distinct(ReferenceEqualityComparer.Instance).Count());
        Assert.DoesNotContain(EventSha256.ForCurrentThread, instances);
    }

    [Fact]
    public void A_disposed_hasher_refuses_to_hash()
    {
        var sha = new EventSha256();
        sha.Dispose();
        Assert.Throws<ObjectDisposedException>(() => sha.Hash("abc"u8));
    }
}
