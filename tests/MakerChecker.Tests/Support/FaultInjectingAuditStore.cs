using System.Runtime.CompilerServices;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;

namespace MakerChecker.Tests.Support;

/// <summary>Where an injected append failure strikes.</summary>
internal enum FaultPoint
{
    /// <summary>Before the inner append: nothing became durable.</summary>
    BeforeDurable,

    /// <summary>After the inner append returned: the event is durable, but the caller gets an exception.</summary>
    AfterDurable,
}

/// <summary>
/// Wraps any <see cref="IAuditStore"/> and fails the Nth append (of either kind) from when it is armed, either before
/// the inner store appends or after it has: the two ways a real store fails (a full disk refusing the write, or a
/// write that landed but whose acknowledgement was lost). It can also fail every append or every read until told not to.
/// </summary>
internal sealed class FaultInjectingAuditStore(IAuditStore inner) : IAuditStore
{
    private int _countdown;
    private FaultPoint _point;

    public IAuditStore Inner { get; } = inner;

    public string InstanceId => Inner.InstanceId;

    /// <summary>Every append fails before the inner store sees it, while set (a store that is down).</summary>
    public bool Down { get; set; }

    /// <summary>Reads fail too, while set.</summary>
    public bool ReadsDown { get; set; }

    /// <summary>How many appends were injected with a failure so far.</summary>
    public int Injected { get; private set; }

    /// <summary>Fails the <paramref name="n"/>th append from now (1 is the next one), once.</summary>
    public void FailAppend(int n, FaultPoint point)
    {
        _countdown = n;
        _point = point;
    }

    public async ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        var point = Strike();
        if (point == FaultPoint.BeforeDurable) throw Fault(entry, "before");
        var stored = await Inner.AppendAsync(entry, cancellationToken);
        if (point == FaultPoint.AfterDurable) throw Fault(entry, "after");
        return stored;
    }

    public async ValueTask<AuditEvent?> TryAppendAsync(AuditEntry entry, long expectedLastSeq, CancellationToken cancellationToken = default)
    {
        var point = Strike();
        if (point == FaultPoint.BeforeDurable) throw Fault(entry, "before");
        var stored = await Inner.TryAppendAsync(entry, expectedLastSeq, cancellationToken);
        if (point == FaultPoint.AfterDurable) throw Fault(entry, "after");
        return stored;
    }

    public async IAsyncEnumerable<AuditEvent> ReadAsync(long fromSeq = 1, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (ReadsDown) throw new AuditStoreException("injected read failure");
        await foreach (var e in Inner.ReadAsync(fromSeq, cancellationToken)) yield return e;
    }

    /// <summary>The events the inner store holds now.</summary>
    public async Task<List<AuditEvent>> EventsAsync()
    {
        var events = new List<AuditEvent>();
        await foreach (var e in Inner.ReadAsync()) events.Add(e);
        return events;
    }

    public ValueTask DisposeAsync() => Inner.DisposeAsync();

    /// <summary>Whether this append fails, and where.</summary>
    private FaultPoint? Strike()
    {
        if (Down) return FaultPoint.BeforeDurable;
        if (_countdown == 0 || --_countdown > 0) return null;
        return _point;
    }

    private AuditStoreException Fault(AuditEntry entry, string when)
    {
        Injected++;
        return new AuditStoreException($"injected failure {when} the append of {entry.EventType} became durable");
    }
}
