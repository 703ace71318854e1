using MakerChecker.Audit.Canonicalization;

namespace MakerChecker.Audit.Stores;

/// <summary>One event as a store keeps it: its audit-spec row, and the number the store names it by in errors.</summary>
/// <param name="Bytes">The snake_case row (<see cref="AuditRow.Row"/>), without a line break.</param>
/// <param name="Position">The file store's line number, or the SQL stores' seq column; what the store's read errors cite.</param>
public readonly record struct StoredRow(ReadOnlyMemory<byte> Bytes, long Position);

/// <summary>
/// A store's events as rows, so that <see cref="Verification.AuditStoreVerifier"/> checks the bytes the store
/// keeps with the bundle verifier's row parser, instead of decoding each event into an <see cref="Events.AuditEvent"/> and
/// encoding it back. The rows are exactly the events <see cref="IAuditStore.ReadAsync"/> from seq 1 yields, and a row
/// that <c>ReadAsync</c> would refuse is refused with the same exception, so both paths give the same verdict.
/// </summary>
/// <remarks>
/// For store authors: implement it when the store keeps events as audit-spec rows (as <see cref="AuditRow.Row"/>), so that
/// verifying the store runs the bundle verifier's parallel row pipeline. The rows are verified as they are; a store
/// that does not implement it is verified from the events <c>ReadAsync</c> decodes, with the same verdict, more slowly.
/// </remarks>
public interface IStoredRowSource
{
    /// <summary>Whether <c>ReadAsync</c> refuses a row whose stored hash differs from its content, rather than yielding it.</summary>
    bool RefusesHashMismatchOnRead { get; }

    /// <summary>Every event's row in storage order. A row's bytes are valid only until the next row is asked for.</summary>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The rows.</returns>
    IAsyncEnumerable<StoredRow> ReadRowsAsync(CancellationToken cancellationToken);

    /// <summary>The exception <c>ReadAsync</c> throws for <paramref name="row"/>, which does not parse (or fails the hash check on read).</summary>
    /// <param name="row">The refused row.</param>
    /// <param name="failure">Why the row parser refused it.</param>
    /// <returns>The exception to throw.</returns>
    Exception UnreadableRow(StoredRow row, CanonicalJsonException failure);
}
