using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Stores;

/// <summary>
/// For store authors: reads stored rows (<see cref="AuditRow.Row"/>) back into events with the bundle verifier's row
/// parser. Not thread-safe: use one per read. Reading does not check hashes; verification does
/// (<see cref="Verification.AuditStoreVerifier"/>).
/// </summary>
public sealed class AuditRowReader : IDisposable
{
    private readonly EventRowParser _parser = new();

    /// <summary>Reads one row.</summary>
    /// <param name="row">The row as stored.</param>
    /// <returns>The event.</returns>
    /// <exception cref="CanonicalJsonException">The row is not an audit-spec row; wrap it in an error naming the store and the row.</exception>
    /// <exception cref="FormatException">The row's actor is not one an <see cref="AuditEvent"/> can hold.</exception>
    public AuditEvent Read(ReadOnlySpan<byte> row) => _parser.ParseStored(row, verifyHash: false).ToAuditEvent();

    /// <summary>The instance id a genesis row roots the chain in, or <see langword="null"/> when the row is not an <c>audit.genesis</c> event.</summary>
    /// <param name="row">The row as stored (normally seq 1).</param>
    /// <returns>The instance id, or <see langword="null"/>.</returns>
    /// <exception cref="CanonicalJsonException">The row is not an audit-spec row.</exception>
    public string? ReadGenesisInstanceId(ReadOnlySpan<byte> row) => _parser.Parse(row).GenesisInstanceId;

    /// <summary>Returns the parser's buffers.</summary>
    public void Dispose() => _parser.Dispose();
}
