using System.Threading.Channels;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Stores;

/// <summary>
/// Group commit, the one engine every writing store uses (the file store and, through <see cref="AuditGroupCommit"/>,
/// the SQL stores): appends queue up, and one loop commits whatever has queued as a single write. The write itself
/// (for a database: lock, read the head, insert, commit; for the file: write the lines, flush) is the store's; this
/// class chains the group onto the head the store gives it.
/// </summary>
/// <remarks>
/// A failed commit fails only its own group, with the <see cref="AuditStoreException"/> the store threw (anything
/// else is wrapped in one): a database rolled it back, so the chain is as it was and the next group starts from the
/// head it reads then; the file store cuts the file back and refuses further appends.
/// </remarks>
internal sealed class GroupCommitQueue : IAsyncDisposable
{
    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ChainAppender _appender;
    private readonly int _maxGroup;
    private readonly Func<Group, CancellationToken, Task> _commitAsync;
    private readonly string _what;
    private readonly TimeSpan _window;
    private readonly TimeProvider _time;
    private readonly Task _loop;


    /// <param name="appender">Gives events their id, time and hash; used only by the loop.</param>
    /// <param name="maxGroup">The most appends one transaction carries.</param>
    /// <param name="commitAsync">Runs one transaction: lock, read the head, call the chain function, insert its events, commit.</param>
    /// <param name="what">Names the store in error messages.</param>
    /// <param name="window">How long the loop waits, once an append arrives, for more to join its group; zero for no wait.</param>
    /// <param name="time">The clock the window is waited on.</param>
    public GroupCommitQueue(ChainAppender appender, int maxGroup, Func<Group, CancellationToken, Task> commitAsync, string what,
        TimeSpan window = default, TimeProvider? time = null)
    {
        _appender = appender;
        _maxGroup = maxGroup;
        _commitAsync = commitAsync;
        _what = what;
        _window = window;
        _time = time ?? TimeProvider.System;
        _loop = Task.Run(LoopAsync);
    }

    public async ValueTask<StoredEvent> AppendAsync(PreparedEntry entry, CancellationToken cancellationToken) =>
        (await TryAppendAsync(entry, expectedLastSeq: null, cancellationToken).ConfigureAwait(false))!;

    /// <summary>
    /// Queues an append; with <paramref name="expectedLastSeq"/>, it is chained only if the head at its position in
    /// its group (the head the transaction read, moved by the appends before it) has that seq, and is otherwise
    /// answered <see langword="null"/> without being written.
    /// </summary>
    public async ValueTask<StoredEvent?> TryAppendAsync(PreparedEntry entry, long? expectedLastSeq, CancellationToken cancellationToken) =>
        (await TryAppendBatchAsync([entry], expectedLastSeq, null, cancellationToken).ConfigureAwait(false)) is [var stored] ? stored : null;

    /// <summary>
    /// Queues several appends as one unit: they go into one group, one after the other, all or none; with
    /// <paramref name="expectedLastSeq"/>, only if the head at their position has that seq. The result is the stored
    /// events, or empty when the head had moved and nothing was written. With a <paramref name="scope"/>, a moved head
    /// refuses the batch only if an event in between conflicts with the scope.
    /// </summary>
    public async ValueTask<StoredEvent[]> TryAppendBatchAsync(
        PreparedEntry[] entries, long? expectedLastSeq, AuditAppendScope? scope, CancellationToken cancellationToken)
    {
        var pending = new Pending(entries, expectedLastSeq, scope);
        if (!_pending.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(_what, $"The audit store {_what} is closed.");
        }

        return await pending.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task LoopAsync()
    {
        var reader = _pending.Reader;
        var group = new List<Pending>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            if (_maxGroup > 1 && _window > TimeSpan.Zero)
            {
                await Task.Delay(_window, _time).ConfigureAwait(false);
            }

            group.Clear();
            // A batch is never split: a group holds whole batches, at least one, up to the size limit where it can.
            var size = 0;
            while ((size == 0 || (reader.TryPeek(out var next) && size + next.Entries.Length <= _maxGroup)) && reader.TryRead(out var pending))
            {
                group.Add(pending);
                size += pending.Entries.Length;
            }

            var chain = new Group(this, group);
            try
            {
                await _commitAsync(chain, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                var error = ex as AuditStoreException ?? new AuditStoreException(
                    $"The audit store {_what} could not commit the append, so the event was not recorded: {ex.Message}", ex);
                foreach (var pending in group)
                {
                    pending.Completion.TrySetException(error);
                }

                continue;
            }

            for (var i = 0; i < group.Count; i++)
            {
                group[i].Completion.TrySetResult(chain.Events[i]);
            }
        }
    }

    /// <summary>
    /// One group, handed to the store's transaction, which chains it onto the head it read. Each queued append gets the
    /// events of its batch, in order, or none: a conditional append whose expected seq is not the head at its position is
    /// refused, unless it has a scope, the store can check it (<see cref="ChainAsync"/>), and no event after the expected
    /// seq (stored, or chained earlier in this group) conflicts with it.
    /// </summary>
    internal sealed class Group(GroupCommitQueue queue, List<Pending> pendings)
    {
        /// <summary>Per queued append, what was chained for it (empty when refused); set by the chain call.</summary>
        public List<StoredEvent[]> Events { get; private set; } = [];

        /// <summary>Chains the group, every event in between conflicting with every conditional append (a store that cannot tell).</summary>
        public List<StoredEvent[]> Chain(long lastSeq, Hash32 head) => Events = ChainCore(lastSeq, head, storedConflicts: null);

        /// <summary>
        /// Chains the group; <paramref name="conflictsSince"/> reads, inside the store's transaction, the events stored after
        /// a seq (up to <paramref name="lastSeq"/>) that matter to a scope.
        /// </summary>
        public async ValueTask<List<StoredEvent[]>> ChainAsync(
            long lastSeq, Hash32 head, Func<long, AuditAppendScope, ValueTask<IReadOnlyList<(string ActorId, string EventType)>>> conflictsSince)
        {
            var conflicts = new Dictionary<Pending, IReadOnlyList<(string ActorId, string EventType)>>();
            foreach (var p in pendings)
            {
                if (p is { ExpectedLastSeq: { } expected, Scope: { } scope } && expected < lastSeq)
                {
                    conflicts[p] = await conflictsSince(expected, scope).ConfigureAwait(false);
                }
            }

            return Events = ChainCore(lastSeq, head, conflicts);
        }

        private List<StoredEvent[]> ChainCore(
            long lastSeq, Hash32 head, Dictionary<Pending, IReadOnlyList<(string ActorId, string EventType)>>? storedConflicts)
        {
            var events = new List<StoredEvent[]>(pendings.Count);
            var storedHead = lastSeq; // events up to here are in the store; later ones are this group's
            foreach (var pending in pendings)
            {
                if (pending.ExpectedLastSeq is { } expected && expected != lastSeq &&
                    !Tolerates(pending, expected, lastSeq, storedHead, events, storedConflicts))
                {
                    events.Add([]);
                    continue;
                }

                var batch = new StoredEvent[pending.Entries.Length];
                for (var i = 0; i < batch.Length; i++)
                {
                    batch[i] = queue._appender.Next(pending.Entries[i], ++lastSeq, head);
                    head = batch[i].Hash;
                }

                events.Add(batch);
            }

            return events;
        }

        private static bool Tolerates(Pending pending, long expected, long lastSeq, long storedHead, List<StoredEvent[]> chained,
            Dictionary<Pending, IReadOnlyList<(string ActorId, string EventType)>>? storedConflicts)
        {
            if (pending.Scope is not { } scope || storedConflicts is null || expected > lastSeq) return false;
            IReadOnlyList<(string ActorId, string EventType)> stored = [];
            if (expected < storedHead && !storedConflicts.TryGetValue(pending, out stored!)) return false;
            var inGroup = chained.SelectMany(batch => batch).Where(e => e.Seq > expected)
                .Select(e => (StoredEvent.DecodeActorId(e.Actor), StoredEvent.DecodeString(e.EventType)!));
            return !scope.ConflictsWith(stored.Concat(inGroup));
        }
    }

    /// <summary>Stops accepting appends and finishes those already queued.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_pending.Writer.TryComplete())
        {
            await _loop.ConfigureAwait(false);
            _appender.Dispose();
        }
    }

    internal sealed class Pending(PreparedEntry[] entries, long? expectedLastSeq, AuditAppendScope? scope)
    {
        public PreparedEntry[] Entries { get; } = entries;
        public long? ExpectedLastSeq { get; } = expectedLastSeq;
        public AuditAppendScope? Scope { get; } = scope;
        public TaskCompletionSource<StoredEvent[]> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
