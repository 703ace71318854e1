using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;

namespace MakerChecker.Cli.Tests;

/// <summary>The checkpointed file logs the transparency commands' tests inspect: one entry shape, one writer.</summary>
internal static class CheckpointedLogs
{
    /// <summary>The origin every test log's checkpoints carry.</summary>
    public const string Origin = "example.com/claims";

    /// <summary>An <c>approval.decided</c> entry about request <c>req-<paramref name="i"/></c>.</summary>
    public static AuditEntry Entry(int i) => new()
    {
        Actor = new AuditActor("human", "reviewer-1", "claims-reviewer"),
        EventType = "approval.decided",
        EntityType = "approval_request",
        EntityId = $"req-{i}",
        Payload = new JsonObject { ["decision"] = "approved" },
    };

    /// <summary>
    /// Appends <paramref name="count"/> entries to <paramref name="log"/> through a checkpointed file store signed with the
    /// key file <paramref name="keyFile"/>, numbered from <paramref name="first"/> (by default the log's size before);
    /// returns the checkpoints' verifier key.
    /// </summary>
    public static async Task<string> AppendAsync(string log, string keyFile, int count, int? first = null)
    {
        using var signer = Ed25519KeyFile.LoadSigner(keyFile);
        var options = new CheckpointedAuditStoreOptions { Signer = signer, Origin = Origin };
        await using var store = await CheckpointedAuditStore.OpenAsync(await FileAuditStore.OpenAsync(log), options);
        var start = first ?? (int)store.TreeSize;
        for (var i = start; i < start + count; i++)
        {
            await store.AppendAsync(Entry(i));
        }

        return store.VerifierKey.ToString();
    }

    /// <summary>
    /// Appends <paramref name="entries"/> to any store through a checkpointed store whose files are at
    /// <paramref name="filePrefix"/> (required for a database-backed log), signed with <paramref name="keyFile"/>; it
    /// disposes the store, which signs a last checkpoint. Returns the checkpoints' verifier key.
    /// </summary>
    public static async Task<string> AppendAsync(IAuditStore inner, string? filePrefix, string keyFile, IEnumerable<AuditEntry> entries)
    {
        using var signer = Ed25519KeyFile.LoadSigner(keyFile);
        var options = new CheckpointedAuditStoreOptions { Signer = signer, Origin = Origin, FilePrefix = filePrefix };
        await using var store = await CheckpointedAuditStore.OpenAsync(inner, options);
        foreach (var entry in entries)
        {
            await store.AppendAsync(entry);
        }

        return store.VerifierKey.ToString();
    }

    /// <summary>Entry <paramref name="i"/> as <see cref="Entry"/> makes it, in the run of case <paramref name="subject"/>.</summary>
    public static AuditEntry CaseEntry(int i, string subject) => new()
    {
        Actor = new AuditActor("human", "reviewer-1", "claims-reviewer"),
        EventType = "approval.decided",
        EntityType = "approval_request",
        EntityId = $"req-{i}",
        RunId = CaseSubject.RunIdFor(subject),
        Payload = new JsonObject { ["decision"] = "approved" },
    };
}
