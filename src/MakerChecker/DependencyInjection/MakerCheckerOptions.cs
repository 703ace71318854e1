using MakerChecker.Audit.Stores;
using MakerChecker.Policy.Model;
using MakerChecker.Review;

namespace MakerChecker.DependencyInjection;

/// <summary>
/// What <c>services.AddMakerChecker(...)</c> builds the <see cref="Gates.ApprovalGate"/> from. Validated when the gate
/// is first resolved (and at host start): exactly one policy source, and a policy file that loads without errors.
/// </summary>
public sealed class MakerCheckerOptions
{
    /// <summary>The path of the YAML policy file to load. Set this or <see cref="Policy"/>.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? PolicyPath { get; set; }

    /// <summary>An already compiled policy. Set this or <see cref="PolicyPath"/>.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public CompiledPolicy? Policy { get; set; }

    /// <summary>
    /// The JSON Lines audit log file the gate opens, creates if missing, signs checkpoints of (see <see cref="Checkpoints"/>)
    /// and closes when it is disposed. Set at most one of this, <see cref="AuditStore"/> and <see cref="AuditStoreFactory"/>.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? AuditLogPath { get; set; }

    /// <summary>
    /// An audit store the app opened and owns; the gate uses it as it is (the container does not dispose it). A durable store
    /// given this way must already be a <see cref="Audit.Transparency.CheckpointedAuditStore"/>, unless <see cref="Checkpoints"/>
    /// is turned off: use <see cref="AuditLogPath"/>, <see cref="AuditStoreFactory"/> or a registered store to have the gate checkpoint it.
    /// </summary>
    /// <value>
    /// The default value is <see langword="null"/>: <see cref="AuditLogPath"/> or <see cref="AuditStoreFactory"/>, else an
    /// <see cref="IAuditStore"/> registered in the container.
    /// </value>
    public IAuditStore? AuditStore { get; set; }

    /// <summary>Creates the audit store; the gate checkpoints it (see <see cref="Checkpoints"/>) and disposes it.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Func<IServiceProvider, IAuditStore>? AuditStoreFactory { get; set; }

    /// <summary>
    /// How the audit log is signed as it is written: a signed checkpoint every N events and T seconds, at close and on demand,
    /// with the app's key. On by default, for every durable store the gate writes to; the key is required unless
    /// <see cref="AuditCheckpointOptions.Enabled"/> is set to <see langword="false"/> (which says what the app then loses).
    /// </summary>
    /// <value>The default value is <see cref="AuditCheckpointOptions"/> with its defaults (enabled, no key yet).</value>
    public AuditCheckpointOptions Checkpoints { get; set; } = new();

    /// <summary>The clock for decisions, dwell, limits and expiry.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Draws uniformly from [0, 1) for sampled gates; must be thread-safe.</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="Random.Shared"/>.</value>
    public Func<double>? SampleSource { get; set; }

    /// <summary>
    /// The rubber-stamp detector on live sign-offs (log warning, metric, optional callback); <see langword="null"/> turns it off.
    /// </summary>
    /// <value>The default value is <see cref="ReviewMonitorOptions"/> with its defaults.</value>
    public ReviewMonitorOptions? ReviewMonitoring { get; set; } = new();

    /// <summary>
    /// Gate state snapshots (see <see cref="Gates.Snapshots.GateSnapshotOptions"/>): the gate starts from the newest snapshot
    /// the log vouches for plus the events after it. With <see cref="AuditLogPath"/> and no
    /// <see cref="Gates.Snapshots.GateSnapshotOptions.Store"/>, snapshots are kept in the directory <c>AUDIT_LOG.snapshots</c>
    /// beside the log (so <c>o.Snapshots = new()</c> turns them on).
    /// </summary>
    /// <value>The default value is <see langword="null"/>: no snapshots; the gate replays its whole log on start.</value>
    public Gates.Snapshots.GateSnapshotOptions? Snapshots { get; set; }
}
