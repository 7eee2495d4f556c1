/**
 * The recognition nodes as the web node sees them (`GET /api/v1/nodes`, the Nodes page): connected
 * or not, their cameras and rate, gallery, outbox and uptime; null where a node never reported.
 */
import type { NodeState } from '../bridge/index.js';
import { isClockSkewed } from '../core/index.js';
import type { NodeView } from './views.js';

export type { NodeView };

export function nodeView(node: NodeState): NodeView {
  const cameras = node.status?.cameras ?? [];
  return {
    address: node.address,
    nodeId: node.nodeId ?? null,
    connected: node.connected,
    lastHeartbeatAt: node.lastHeartbeatAt === undefined ? null : new Date(node.lastHeartbeatAt).toISOString(),
    fps: cameras.reduce((sum, camera) => sum + camera.fps, 0),
    cameras,
    galleryVersion: node.status?.galleryVersion ?? null,
    descriptorModel: node.status?.descriptorModel ?? null,
    outboxDepth: node.status?.outboxDepth ?? null,
    uptimeS: node.status?.uptimeS ?? null,
    clockSkewMs: node.clockSkewMs ?? null,
    clockSkewed: isClockSkewed(node.clockSkewMs),
  };
}

export class NodeStatusService {
  /** @param deps.nodes - the bridge clients' view of each node (`BridgeClients.nodes()`). */
  constructor(private readonly deps: { nodes: () => readonly NodeState[] }) {}

  list(): NodeView[] {
    return this.deps.nodes().map(nodeView);
  }
}
