using MakerChecker.Audit.Partitions;
using MakerChecker.Decisions;
using MakerChecker.Partitions;
using MakerChecker.Tests.Support;

namespace MakerChecker.Tests.Partitions;

/// <summary>
/// Routing is a fixed function: the chain of a partition key must never change between versions (a principal moved to
/// another chain would have its limits counted afresh), and an id that names no chain is never looked for.
/// </summary>
public sealed class PartitionedGateRoutingTests
{
    [Fact]
    public async Task A_principal_chain_is_the_first_8_bytes_of_SHA256_of_its_key_modulo_the_chain_count()
    {
        await using var log = PartitionedAuditLog.InMemory(8);
        await using var gate = await PartitionedGate.CreateAsync(ClaimsFixture.BuildPolicy(), log);
        await using var byTenant = await PartitionedGate.CreateAsync(ClaimsFixture.BuildPolicy(), log,
            new PartitionedGateOptions { PartitionKey = _ => "tenant-a" });

        // Computed independently: Python's int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], 'big') % 8.
        Assert.Equal("p2", gate.ChainOf("drafter-bot"));
        Assert.Equal("p7", gate.ChainOf("dr.lee"));
        Assert.Equal("p0", gate.ChainOf("svc-0"));
        Assert.Equal("p1", byTenant.ChainOf("drafter-bot"));
        Assert.Equal("p1", byTenant.ChainOf("dr.lee"));
    }

    [Fact]
    public async Task An_id_that_names_no_chain_is_request_not_found_and_nothing_is_recorded()
    {
        await using var log = PartitionedAuditLog.InMemory(2);
        await using var gate = await PartitionedGate.CreateAsync(ClaimsFixture.BuildPolicy(), log);
        var before = await CountAsync(log);

        foreach (var id in new[] { Guid.NewGuid().ToString(), "p2." + Guid.NewGuid(), ".p0", "P0." + Guid.NewGuid() })
        {
            Assert.Null(gate.ChainOfId(id));
            var result = await gate.ApproveAsync(id, "dr-a", "checked");
            Assert.Equal(ReasonCodes.RequestNotFound, result.ReasonCode);
            Assert.Contains("p0., p1.", result.Message, StringComparison.Ordinal);
            Assert.Null(gate.GetRequest(id));
        }

        Assert.Equal(before, await CountAsync(log));
    }

    private static async Task<int> CountAsync(PartitionedAuditLog log)
    {
        var count = 0;
        foreach (var chain in log.Chains)
        {
            await foreach (var _ in log.GetChain(chain).ReadAsync()) count++;
        }

        return count;
    }
}
