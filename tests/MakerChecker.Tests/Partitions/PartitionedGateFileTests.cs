using MakerChecker.Audit.Partitions;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Verification;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Partitions;
using MakerChecker.Policy.Model;
using MakerChecker.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Tests.Partitions;

/// <summary>
/// A <see cref="PartitionedGate"/> over a signed directory of file chains, as an app would run it: a round trip on the
/// requester's chain, a suspension recorded on every chain, and after a restart the state is rebuilt from each chain.
/// </summary>
public sealed class PartitionedGateFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-partitioned-gate-").FullName;
    private readonly Ed25519AuditSigner _signer = Ed25519AuditSigner.Generate();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));

    public void Dispose()
    {
        _signer.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private Task<PartitionedAuditLog> OpenLogAsync() => PartitionedAuditLog.OpenDirectoryAsync(_directory, 3,
        new PartitionedAuditLogOptions { Signer = _signer, Origin = "audit.example.com/claims", TimeProvider = _time });

    [Fact]
    public async Task A_round_trip_and_a_suspension_survive_a_restart_and_every_chain_verifies()
    {
        var policy = ClaimsFixture.BuildPolicy();
        var runs = 0;
        Func<CancellationToken, ValueTask> action = _ => { runs++; return ValueTask.CompletedTask; };
        string id;
        await using (var log = await OpenLogAsync())
        await using (var gate = await PartitionedGate.CreateAsync(policy, log, new PartitionedGateOptions { TimeProvider = _time }))
        {
            var opened = await gate.InvokeAsync("bot", ClaimsFixture.Deny, ClaimsFixture.Claim(), action);
            id = opened.Request!.Id;
            Assert.StartsWith(gate.ChainOf("bot") + ".", id, StringComparison.Ordinal);
            foreach (var reviewer in new[] { "dr-a", "dr-b" }) Assert.Equal(ReasonCodes.Presented, (await gate.PresentAsync(id, reviewer)).ReasonCode);
            _time.Advance(TimeSpan.FromMinutes(1));
            Assert.Equal(ReasonCodes.SignedOff, (await gate.ApproveAsync(id, "dr-a", "checked")).ReasonCode);
            Assert.Equal(ReasonCodes.SignedOff, (await gate.ApproveAsync(id, "dr-b", "checked")).ReasonCode);
            Assert.Equal(ReasonCodes.Executed, (await gate.ExecuteAsync(id, "bot", ClaimsFixture.Claim(), action)).ReasonCode);

            // dr-c is suspended through the partitioned gate: every chain records it.
            var drC = policy.Principals["dr-c"];
            Assert.Empty(await gate.RegisterPrincipalAsync(new PrincipalDefinition(drC.Id, drC.Kind, drC.Role, PrincipalStatus.Suspended, drC.Owner)));
        }

        await using (var log = await OpenLogAsync())
        await using (var gate = await PartitionedGate.CreateAsync(policy, log, new PartitionedGateOptions { TimeProvider = _time }))
        {
            Assert.Equal(ApprovalStatus.Executed, gate.GetRequest(id)!.Status);
            Assert.Equal(ReasonCodes.AlreadyExecuted, (await gate.ExecuteAsync(id, "bot", ClaimsFixture.Claim(), action)).ReasonCode);
            foreach (var chain in gate.Chains)
            {
                // Whoever dr-c would review, on whichever chain, the suspension is in force there.
                Assert.Equal(ReasonCodes.PrincipalInactive, (await gate.GetChainGate(chain).InvokeAsync("dr-c", ClaimsFixture.Deny, ClaimsFixture.Claim(), action))
                    .ReasonCode);
                Assert.True((await AuditStoreVerifier.VerifyAsync(log.GetChain(chain))).IsValid, chain);
            }

            Assert.Equal(3, (await log.CheckpointAsync()).Chains.Count);
        }

        Assert.Equal(1, runs);
    }
}
