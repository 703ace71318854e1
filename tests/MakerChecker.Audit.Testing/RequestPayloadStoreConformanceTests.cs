using System.Text;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Payloads;
using Xunit;

namespace MakerChecker.Audit.Testing;

/// <summary>
/// The behaviour every case store (<see cref="IRequestPayloadStore"/>) must have, read through
/// <see cref="RequestPayloads.ReadAsync"/>: what was put reads back verified; nothing is missing; bytes changed behind
/// the store's back are an integrity failure, never the payload. Derive a test class and supply a store and a way to
/// change its bytes directly.
/// </summary>
public abstract class RequestPayloadStoreConformanceTests
{
    /// <summary>A new, empty store.</summary>
    /// <returns>The store.</returns>
    protected abstract Task<IRequestPayloadStore> CreateAsync();

    /// <summary>Replaces the bytes kept under <paramref name="digest"/> without going through the store's checks, as an attacker with write access could.</summary>
    /// <param name="store">The store from <see cref="CreateAsync"/>.</param>
    /// <param name="digest">The digest whose bytes to replace.</param>
    /// <param name="bytes">The new bytes.</param>
    /// <returns>A task.</returns>
    protected abstract Task TamperAsync(IRequestPayloadStore store, string digest, byte[] bytes);

    private static JsonObject Claim(string id = "C-1") => new() { ["claim"] = new JsonObject { ["id"] = id, ["amount"] = 1250.5, ["note"] = "<b>ok</b>" } };

    /// <summary>A payload put reads back verified, equal to what was put, and putting it again changes nothing.</summary>
    /// <returns>A task.</returns>
    [StoreFact]
    public async Task A_payload_put_reads_back_verified_and_put_is_idempotent()
    {
        var store = await CreateAsync();
        var (canonical, digest) = RequestPayloadDigest.Compute(Claim());
        await store.PutAsync(digest, canonical);
        await store.PutAsync(digest, canonical);
        var read = await RequestPayloads.ReadAsync(store, digest);
        Assert.Equal(RequestPayloadStatus.Verified, read.Status);
        Assert.True(JsonNode.DeepEquals(Claim(), read.Payload));
        Assert.Equal(canonical, await store.GetAsync(digest));
    }

    /// <summary>A digest never put is missing, and a put whose bytes are not the digest's is refused.</summary>
    /// <returns>A task.</returns>
    [StoreFact]
    public async Task A_digest_never_put_is_missing_and_a_put_under_another_digest_is_refused()
    {
        var store = await CreateAsync();
        var (canonical, digest) = RequestPayloadDigest.Compute(Claim());
        Assert.Equal(RequestPayloadStatus.Missing, (await RequestPayloads.ReadAsync(store, digest)).Status);
        var (_, other) = RequestPayloadDigest.Compute(Claim("C-2"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.PutAsync(other, canonical));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.PutAsync("sha256:XYZ", canonical));
        Assert.Null(await store.GetAsync(other));
    }

    /// <summary>Bytes changed in the store no longer hash to the digest: an integrity failure naming both digests, and no payload.</summary>
    /// <returns>A task.</returns>
    [StoreFact]
    public async Task Changed_bytes_are_an_integrity_failure_and_never_the_payload()
    {
        var store = await CreateAsync();
        var (canonical, digest) = RequestPayloadDigest.Compute(Claim());
        await store.PutAsync(digest, canonical);
        var forged = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(canonical).Replace("1250.5", "12.5", StringComparison.Ordinal));
        await TamperAsync(store, digest, forged);
        var read = await RequestPayloads.ReadAsync(store, digest);
        Assert.Equal(RequestPayloadStatus.IntegrityFailure, read.Status);
        Assert.Null(read.Payload);
        Assert.Contains(digest, read.Problem, StringComparison.Ordinal);
        Assert.Contains(RequestPayloadDigest.Of(forged), read.Problem, StringComparison.Ordinal);
    }

    /// <summary>Bytes that hash to their digest but are not a JSON object were never a payload.</summary>
    /// <returns>A task.</returns>
    [StoreFact]
    public async Task Bytes_that_are_not_a_json_object_are_an_integrity_failure()
    {
        var store = await CreateAsync();
        var bytes = Encoding.UTF8.GetBytes("[1,2]");
        var digest = RequestPayloadDigest.Of(bytes);
        await store.PutAsync(digest, bytes);
        Assert.Equal(RequestPayloadStatus.IntegrityFailure, (await RequestPayloads.ReadAsync(store, digest)).Status);
    }
}
