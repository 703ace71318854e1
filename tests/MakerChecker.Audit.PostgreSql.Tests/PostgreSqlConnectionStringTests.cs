using MakerChecker.Audit.Stores;

namespace MakerChecker.Audit.PostgreSql.Tests;

/// <summary>A connection string that does not parse is refused the same way by both ways of opening a store, before any connection.</summary>
public sealed class PostgreSqlConnectionStringTests
{
    [Fact]
    public async Task A_connection_string_that_does_not_parse_is_refused_by_OpenAsync_and_OpenReadOnlyAsync_with_the_same_message()
    {
        const string Invalid = "Host=127.0.0.1;Port=not-a-port";
        var writing = await Assert.ThrowsAsync<AuditStoreException>(() => PostgreSqlAuditStore.OpenAsync(Invalid));
        var reading = await Assert.ThrowsAsync<AuditStoreException>(() => PostgreSqlAuditStore.OpenReadOnlyAsync(Invalid));

        Assert.StartsWith("The PostgreSQL connection string is not valid: ", writing.Message, StringComparison.Ordinal);
        Assert.Equal(writing.Message, reading.Message);
        Assert.IsAssignableFrom<ArgumentException>(writing.InnerException);
        Assert.IsAssignableFrom<ArgumentException>(reading.InnerException);
    }
}
