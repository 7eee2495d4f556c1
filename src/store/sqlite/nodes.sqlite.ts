/**
 * Each node's last report in SQLite.
 */
import type { NodesAdapter } from '../adapter.js';
import type { JsonValue, NodeRecord } from '../store.js';
import type { SqliteConnection } from './connection.sqlite.js';

interface NodeRow {
  id: string;
  last_seen: string;
  status: string;
}

const toNode = (r: NodeRow): NodeRecord => ({
  id: r.id,
  lastSeen: r.last_seen,
  status: JSON.parse(r.status) as JsonValue,
});

export class SqliteNodes implements NodesAdapter {
  constructor(private readonly db: SqliteConnection) {}

  upsertNode(id: string, lastSeen: string, status: string): void {
    this.db
      .sql(
        `INSERT INTO nodes (id, last_seen, status) VALUES (?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, status = excluded.status`,
      )
      .run(id, lastSeen, status);
  }

  getNode(id: string): NodeRecord | null {
    const row = this.db.sql('SELECT * FROM nodes WHERE id = ?').get(id) as NodeRow | undefined;
    return row ? toNode(row) : null;
  }

  listNodes(): NodeRecord[] {
    return (this.db.sql('SELECT * FROM nodes ORDER BY id').all() as NodeRow[]).map(toNode);
  }

  deleteNode(id: string): boolean {
    return this.db.sql('DELETE FROM nodes WHERE id = ?').run(id).changes > 0;
  }
}
