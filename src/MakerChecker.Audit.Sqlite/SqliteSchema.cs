namespace MakerChecker.Audit.Sqlite;

/// <summary>The SQLite schema, one script per version. A shipped script is never edited: a change is a new version.</summary>
internal static class SqliteSchema
{
    /// <summary>
    /// The events table (the exact hashed row plus decoded columns for the queries), its indexes, and the triggers
    /// that make it append-only in the database itself.
    /// </summary>
    public const string Version1 = """
        CREATE TABLE audit_events (
            seq         INTEGER PRIMARY KEY,
            id          TEXT NOT NULL UNIQUE,
            occurred_at TEXT NOT NULL,
            actor_id    TEXT NOT NULL,
            event_type  TEXT NOT NULL,
            entity_type TEXT,
            entity_id   TEXT,
            run_id      TEXT,
            row         BLOB NOT NULL,
            hash        TEXT NOT NULL UNIQUE
        );
        CREATE INDEX audit_events_by_run ON audit_events (run_id) WHERE run_id IS NOT NULL;
        CREATE INDEX audit_events_by_entity ON audit_events (entity_type, entity_id);
        CREATE INDEX audit_events_by_actor ON audit_events (actor_id);
        CREATE INDEX audit_events_by_time ON audit_events (occurred_at);
        CREATE INDEX audit_events_by_type ON audit_events (entity_type, event_type);
        CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE is refused'); END;
        CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: DELETE is refused'); END;
        """;
}
