using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Testing;

namespace MakerChecker.Audit.Tests.Stores;

/// <summary>Three gates over one in-memory log (one store object shared, as in one process with several gates). The file store has one writer by design.</summary>
public sealed class InMemoryGateInstancesTests : GateInstancesTests
{
    protected override Task<IReadOnlyList<IAuditStore>> OpenStoresAsync()
    {
        var shared = new InMemoryAuditStore();
        return Task.FromResult<IReadOnlyList<IAuditStore>>([shared, shared, shared]);
    }
}
