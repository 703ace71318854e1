using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Stores;

/// <summary>How the SQL stores read a row back, and what they say when one does not read.</summary>
internal static class SqlEventRow
{
    /// <summary>Reads one stored row; a row that does not parse is an <see cref="AuditStoreException"/> naming the store and the seq.</summary>
    public static AuditEvent Read(AuditRowReader reader, ReadOnlySpan<byte> row, long seq, string what)
    {
        try
        {
            return reader.Read(row);
        }
        catch (CanonicalJsonException ex)
        {
            throw Unreadable(seq, what, ex);
        }
    }

    public static AuditStoreException Unreadable(long seq, string what, CanonicalJsonException error) =>
        new($"The audit store {what} holds an unreadable row at seq {seq}: {error.Message}", error);
}
