using System.Reflection;
using MakerChecker.Audit.Payloads;
using MakerChecker.Audit.Testing;

namespace MakerChecker.Audit.Tests.Payloads;

public sealed class InMemoryRequestPayloadStoreTests : RequestPayloadStoreConformanceTests
{
    protected override Task<IRequestPayloadStore> CreateAsync() => Task.FromResult<IRequestPayloadStore>(new InMemoryRequestPayloadStore());

    // The in-memory store has no way to change bytes behind its checks; reach its dictionary as an attacker in the process could.
    protected override Task TamperAsync(IRequestPayloadStore store, string digest, byte[] bytes)
    {
        var field = typeof(InMemoryRequestPayloadStore).GetField("_payloads", BindingFlags.NonPublic | BindingFlags.Instance)!;
        ((System.Collections.Concurrent.ConcurrentDictionary<string, byte[]>)field.GetValue(store)!)[digest] = bytes;
        return Task.CompletedTask;
    }
}
