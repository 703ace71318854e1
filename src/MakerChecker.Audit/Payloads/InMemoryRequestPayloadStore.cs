using System.Collections.Concurrent;

namespace MakerChecker.Audit.Payloads;

/// <summary>A case store in memory, for tests, samples and single-process hosts that keep nothing across restarts.</summary>
public sealed class InMemoryRequestPayloadStore : IRequestPayloadStore
{
    private readonly ConcurrentDictionary<string, byte[]> _payloads = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public ValueTask PutAsync(string payloadDigest, ReadOnlyMemory<byte> canonicalJson, CancellationToken cancellationToken = default)
    {
        RequestPayloads.CheckPut(payloadDigest, canonicalJson.Span);
        _payloads.TryAdd(payloadDigest, canonicalJson.ToArray());
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<byte[]?> GetAsync(string payloadDigest, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_payloads.TryGetValue(payloadDigest, out var bytes) ? (byte[]?)bytes.ToArray() : null);
}
