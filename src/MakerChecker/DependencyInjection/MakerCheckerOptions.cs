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

    /// <summary>The audit store to write to. The container does not dispose it.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: <see cref="AuditStoreFactory"/>, else an <see cref="IAuditStore"/> registered in the
    /// container.
    /// </value>
    public IAuditStore? AuditStore { get; set; }

    /// <summary>Creates the audit store; the gate disposes a store it created this way.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Func<IServiceProvider, IAuditStore>? AuditStoreFactory { get; set; }

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
}
