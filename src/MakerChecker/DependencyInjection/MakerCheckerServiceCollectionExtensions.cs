using System.Diagnostics.Metrics;
using MakerChecker.Audit.Payloads;
using MakerChecker.Audit.Stores;
using MakerChecker.DependencyInjection;
using MakerChecker.Gates;
using MakerChecker.Gates.Snapshots;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers MakerChecker's <see cref="ApprovalGate"/> in a service collection.</summary>
public static class MakerCheckerServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="ApprovalGate"/> built from <see cref="MakerCheckerOptions"/>: the policy (from a file
    /// or compiled), an audit store and a clock. The options are validated when the gate is first resolved and at host
    /// start; a policy file is read once for both. The gate's meter comes from the container's <see cref="IMeterFactory"/>
    /// when one is registered (<c>services.AddMetrics()</c>), and its case store (<see cref="ApprovalGate.PayloadStore"/>) is the
    /// container's <see cref="IRequestPayloadStore"/> when one is registered. Safe to call twice: services are added once, and later
    /// configuration applies on top of earlier.
    /// The log is signed as it is written (<see cref="MakerCheckerOptions.Checkpoints"/>): every durable store the gate
    /// writes to (<see cref="MakerCheckerOptions.AuditLogPath"/>, a factory's, the container's) becomes a
    /// <see cref="MakerChecker.Audit.Transparency.CheckpointedAuditStore"/> signed with the app's key, which is required unless the app opts out;
    /// <see cref="GateAuditLog"/> reaches it, to sign a checkpoint on demand or export a bundle.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The service collection, for chaining.</returns>
    public static IServiceCollection AddMakerChecker(this IServiceCollection services, Action<MakerCheckerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<MakerCheckerOptions>().Configure(configure).ValidateOnStart();
        services.TryAddSingleton<PolicyFileCache>();
        services.TryAddSingleton<CheckpointKey>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MakerCheckerOptions>, MakerCheckerOptionsValidator>());
        services.TryAddSingleton(CreateLog);
        services.TryAddSingleton(CreateGate);
        return services;
    }

    private static GateAuditLog CreateLog(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<MakerCheckerOptions>>().Value;
        return new GateAuditLog(options.AuditStore ?? CheckpointedGateStore.Wrap(
            OpenLog(options) ?? options.AuditStoreFactory?.Invoke(services) ?? services.GetService<IAuditStore>()
            ?? throw new InvalidOperationException(
                "MakerChecker needs an audit store: set MakerCheckerOptions.AuditLogPath, AuditStore or AuditStoreFactory, or register an IAuditStore."),
            options.Checkpoints, services.GetRequiredService<CheckpointKey>(), options.TimeProvider));
    }

    private static ApprovalGate CreateGate(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<MakerCheckerOptions>>().Value;
        var policy = options.Policy ?? services.GetRequiredService<PolicyFileCache>().Load(options.PolicyPath!).GetPolicyOrThrow();
        var store = services.GetRequiredService<GateAuditLog>().Store;
        var loggers = services.GetService<ILoggerFactory>();
        return new ApprovalGate(policy, store, options.TimeProvider, loggers, options.SampleSource, services.GetService<IMeterFactory>())
        {
            // The gate owns what it opened or wrapped; a container's store disposed again by the container is a no-op.
            OwnsStore = options.AuditStore is null,
            ReviewMonitoring = options.ReviewMonitoring,
            PayloadStore = services.GetService<IRequestPayloadStore>(),
            Snapshots = SnapshotsOf(options),
        };
    }

    /// <summary>The snapshot options, with the directory beside the log file when none is set.</summary>
    private static GateSnapshotOptions? SnapshotsOf(MakerCheckerOptions options) =>
        options.Snapshots is { Store: null } snapshots && options.AuditLogPath is { } path
            ? new GateSnapshotOptions
            {
                Store = new FileGateSnapshotStore(path + ".snapshots"),
                Every = snapshots.Every,
                OnDispose = snapshots.OnDispose,
                CheckInBackground = snapshots.CheckInBackground,
            }
            : options.Snapshots;

    private static DeferredAuditStore? OpenLog(MakerCheckerOptions options) =>
        options.AuditLogPath is { } path
            ? new DeferredAuditStore(async cancellationToken => await FileAuditStore.OpenAsync(
                path, new FileAuditStoreOptions { TimeProvider = options.TimeProvider }, cancellationToken).ConfigureAwait(false))
            : null;
}
