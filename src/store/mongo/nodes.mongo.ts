/**
 * Each node's last report in MongoDB.
 */
import type { NodesAdapter } from '../adapter.js';
import type { JsonValue, NodeRecord } from '../store.js';
import type { MongoConnection } from './connection.mongo.js';
import type { NodeDoc } from './documents.mongo.js';

const toNode = (d: NodeDoc): NodeRecord => ({
  id: d._id,
  lastSeen: d.lastSeen,
  status: JSON.parse(d.status) as JsonValue,
});

export class MongoNodes implements NodesAdapter {
  constructor(private readonly db: MongoConnection) {}

  async upsertNode(id: string, lastSeen: string, status: string): Promise<void> {
    await this.db.nodes.replaceOne({ _id: id }, { lastSeen, status }, { upsert: true });
  }

  async getNode(id: string): Promise<NodeRecord | null> {
    const doc = await this.db.nodes.findOne({ _id: id });
    return doc ? toNode(doc) : null;
  }

  async listNodes(): Promise<NodeRecord[]> {
    return (await this.db.nodes.find({}).sort({ _id: 1 }).toArray()).map(toNode);
  }

  async deleteNode(id: string): Promise<boolean> {
    return (await this.db.nodes.deleteOne({ _id: id })).deletedCount > 0;
  }
}
