using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing.Events;

namespace MakerChecker.Tests.Support;

/// <summary>
/// An in-memory audit store for tests whose appends can be made to fail: either every append, or only appends of
/// chosen event types. Events are kept as the real stores keep them (payload as an immutable JSON element, chained hashes).
/// </summary>
internal sealed class FaultyAuditStore : IAuditStore
{
    private readonly List<AuditEvent> _events = [];
    private readonly Lock _lock = new();

    public string InstanceId { get; } = "test-instance";

    /// <summary>When set, appends of events for which it returns true throw <see cref="AuditStoreException"/>.</summary>
    public Func<AuditEntry, bool>? FailWhen { get; set; }

    /// <summary>
    /// How many of the next conditional appends another writer beats: each first has a <c>test.interleaved</c> event
    /// appended, so its expected head is stale and it writes nothing.
    /// </summary>
    public int InterleaveNext { get; set; }

    public IReadOnlyList<AuditEvent> Events
    {
        get { lock (_lock) return [.. _events]; }
    }

    public IEnumerable<AuditEvent> OfType(string eventType) => Events.Where(e => e.EventType == eventType);

    /// <summary>The payloads of the events of <typeparamref name="T"/>'s type, read through the event catalogue.</summary>
    public IEnumerable<T> Payloads<T>()
        where T : struct, IAuditEventPayload<T> => OfType(T.Type).Select(AuditEventReader.Read<T>);

    public ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Append(entry, expectedLastSeq: null)!);

    public ValueTask<AuditEvent?> TryAppendAsync(AuditEntry entry, long expectedLastSeq, CancellationToken cancellationToken = default)
    {
        if (InterleaveNext > 0)
        {
            InterleaveNext--;
            Append(new AuditEntry { Actor = AuditActor.System, EventType = "test.interleaved", Payload = [] }, expectedLastSeq: null);
        }

        return ValueTask.FromResult(Append(entry, expectedLastSeq));
    }

    private AuditEvent? Append(AuditEntry entry, long? expectedLastSeq)
    {
        if (FailWhen?.Invoke(entry) == true) throw new AuditStoreException("injected append failure");
        var payload = JsonSerializer.SerializeToElement(entry.Payload);
        lock (_lock)
        {
            if (expectedLastSeq is { } expected && expected != _events.Count) return null;
            var prev = _events.Count == 0 ? new string('0', 64) : _events[^1].Hash;
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(prev + entry.EventType + payload.GetRawText())));
            var e = new AuditEvent
            {
                Seq = _events.Count + 1,
                Id = Guid.NewGuid().ToString(),
                OccurredAt = "2026-01-01T00:00:00.000Z",
                Actor = entry.Actor,
                EventType = entry.EventType,
                EntityType = entry.EntityType,
                EntityId = entry.EntityId,
                RunId = entry.RunId,
                Payload = payload,
                PrevHash = prev,
                Hash = hash,
            };
            _events.Add(e);
            return e;
        }
    }

    public async IAsyncEnumerable<AuditEvent> ReadAsync(long fromSeq = 1, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var e in Events.Where(e => e.Seq >= fromSeq))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return e;
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
