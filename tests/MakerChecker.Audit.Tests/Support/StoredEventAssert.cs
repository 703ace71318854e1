using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Tests.Support;

/// <summary>Two <see cref="StoredEvent"/>s are the same event: seq, every field's bytes and both hashes.</summary>
internal static class StoredEventAssert
{
    public static void Equal(StoredEvent expected, StoredEvent actual)
    {
        Assert.Equal(expected.Seq, actual.Seq);
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.OccurredAt, actual.OccurredAt);
        Assert.Equal(expected.Actor, actual.Actor);
        Assert.Equal(expected.EventType, actual.EventType);
        Assert.Equal(expected.EntityType, actual.EntityType);
        Assert.Equal(expected.EntityId, actual.EntityId);
        Assert.Equal(expected.RunId, actual.RunId);
        Assert.Equal(expected.Payload, actual.Payload);
        Assert.True(expected.PrevHash.Equals(actual.PrevHash), $"seq {expected.Seq}: prevHash {actual.PrevHash.ToHex()}, expected {expected.PrevHash.ToHex()}");
        Assert.True(expected.Hash.Equals(actual.Hash), $"seq {expected.Seq}: hash {actual.Hash.ToHex()}, expected {expected.Hash.ToHex()}");
    }
}
