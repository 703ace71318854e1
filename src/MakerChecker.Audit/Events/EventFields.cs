namespace MakerChecker.Audit.Events;

/// <summary>
/// The nine hashed fields of one event, each already in canonical JSON form (a quoted string, <c>null</c>, or a
/// canonical object). Both the stores and the verifier hash through this one shape.
/// </summary>
internal readonly ref struct EventFields
{
    public required ReadOnlySpan<byte> Id { get; init; }
    public required ReadOnlySpan<byte> OccurredAt { get; init; }
    public required ReadOnlySpan<byte> Actor { get; init; }
    public required ReadOnlySpan<byte> EventType { get; init; }
    public required ReadOnlySpan<byte> EntityType { get; init; }
    public required ReadOnlySpan<byte> EntityId { get; init; }
    public required ReadOnlySpan<byte> RunId { get; init; }
    public required ReadOnlySpan<byte> Payload { get; init; }
    public required ReadOnlySpan<byte> PrevHash { get; init; }
}
