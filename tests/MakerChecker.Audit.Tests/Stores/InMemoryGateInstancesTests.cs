using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Testing;

namespace MakerChecker.Audit.Tests.Stores;

/// <summary>Three gates over one in-memory log (one store object shared, as in one process with several gates). The file store has one writer by design.</summary>
public sealed class InMemoryGateInstancesTests
{
    [Fact]
    public Task Requests_move_between_instances() => GateInstances.AssertRequestsMoveBetweenInstancesAsync(Shared());

    [Fact]
    public Task Racing_executions_on_every_instance_run_the_action_once() => GateInstances.AssertRacingExecutionsRunOnceAsync(Shared());

    [Fact]
    public Task A_limit_holds_across_instances() => GateInstances.AssertLimitsHoldAcrossInstancesAsync(Shared());

    [Fact]
    public Task A_suspension_or_policy_on_one_instance_governs_the_others() => GateInstances.AssertSuspensionAndPolicyGovernOtherInstancesAsync(Shared());

    private static IReadOnlyList<IAuditStore> Shared()
    {
        var shared = new InMemoryAuditStore();
        return [shared, shared, shared];
    }
}
