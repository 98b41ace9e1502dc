/**
 * The commit horizon of an append-only feed ordered by (tx, id), where `tx` is the writing
 * transaction's id (`xid8 DEFAULT pg_current_xact_id()`): an SQL expression for the oldest
 * transaction id that may still write to this database. Rows with `tx` below it are final (their
 * transaction committed or aborted), and any row committed later sorts above them, so a reader
 * that only takes rows below it and keeps a (tx, id) cursor skips nothing.
 *
 * `pg_snapshot_xmin` alone would do, but transaction ids are cluster-wide: one long transaction
 * in another database of the same server (a report, a migration, a test holding a transaction
 * open) would hold every operator's live queue back. So the in-progress ids of the statement's
 * snapshot are taken, minus those that pg_stat_activity shows running in another database. An id
 * whose transaction has ended since the snapshot, or that it cannot place, counts as ours: that
 * errs on waiting, never on skipping. Use it inside the same statement that reads the rows.
 */
export const COMMIT_HORIZON_SQL = `(
  SELECT COALESCE(min(running.xid), pg_snapshot_xmax(pg_current_snapshot()))
    FROM pg_snapshot_xip(pg_current_snapshot()) AS running(xid)
   WHERE NOT EXISTS (
     SELECT 1 FROM pg_stat_activity other
      WHERE other.datname IS DISTINCT FROM current_database()
        AND other.backend_xid IS NOT NULL
        AND other.backend_xid::text = (running.xid::text::numeric % 4294967296)::text))`;
