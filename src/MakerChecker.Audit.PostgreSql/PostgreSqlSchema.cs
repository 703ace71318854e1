namespace MakerChecker.Audit.PostgreSql;

/// <summary>The PostgreSQL schema, one script per version. A shipped script is never edited: a change is a new version.</summary>
internal static class PostgreSqlSchema
{
    /// <summary>
    /// The events table (the exact hashed row plus decoded columns for the queries), its indexes, and the triggers
    /// that make it append-only in the database itself. occurred_at uses the C collation so that text order is time order.
    /// </summary>
    public const string Version1 = """
        CREATE TABLE audit_events (
            seq         BIGINT PRIMARY KEY,
            id          TEXT NOT NULL UNIQUE,
            occurred_at TEXT COLLATE "C" NOT NULL,
            actor_id    TEXT NOT NULL,
            event_type  TEXT NOT NULL,
            entity_type TEXT,
            entity_id   TEXT,
            run_id      TEXT,
            row         BYTEA NOT NULL,
            hash        TEXT NOT NULL UNIQUE
        );
        CREATE INDEX audit_events_by_run ON audit_events (run_id) WHERE run_id IS NOT NULL;
        CREATE INDEX audit_events_by_entity ON audit_events (entity_type, entity_id);
        CREATE INDEX audit_events_by_actor ON audit_events (actor_id);
        CREATE INDEX audit_events_by_time ON audit_events (occurred_at);
        CREATE INDEX audit_events_by_type ON audit_events (entity_type, event_type);
        CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_events is append-only: % is refused', TG_OP;
        END
        $$;
        CREATE TRIGGER audit_events_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_events
            FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
        CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
            FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();
        """;
}
