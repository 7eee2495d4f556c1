/** One {@link BridgeClient} per configured recognition node, seen as one object by the web side. */
import { EventEmitter } from 'node:events';
import {
  ErrorCode,
  RollcallError,
  type DescriptorModel,
  type FrameMetadata,
  type RecognitionEvent,
} from '../../core/index.js';
import type { EmbedPhoto, EmbedReply, NodeStatus } from '../protocol/index.js';
import { BridgeClient, type BridgeClientState } from './bridge.client.js';
import type { BridgeClientOptions } from './client-options.js';

/** Which node something came from. */
export interface NodeRef {
  /** `host:port` as configured. */
  address: string;
  /** The node's proven id; undefined until it has been connected. */
  nodeId: string | undefined;
}

/** Where an event came from, with the node's clock skew when it arrived (see core `eventTime`). */
export interface EventSource extends NodeRef {
  /** The node's clock minus this web node's, measured from its heartbeats; undefined when unknown. */
  clockSkewMs: number | undefined;
}

export interface BridgeClientsEvents {
  connected: [NodeRef];
  disconnected: [NodeRef & { reason: string }];
  status: [NodeRef, NodeStatus];
  /** As {@link BridgeClientEvents.event}: a returned promise delays the ACK until it resolves. */
  event: [RecognitionEvent, EventSource];
  frame: [FrameMetadata, Uint8Array, NodeRef];
  galleryNeeded: [NodeRef & { galleryVersion: number; descriptorModel: DescriptorModel }];
}

export interface NodeState extends BridgeClientState {
  address: string;
}

/** One {@link BridgeClient} per recognition node, seen as one object by the rest of the web side. */
export class BridgeClients extends EventEmitter<BridgeClientsEvents> {
  readonly clients: readonly BridgeClient[];

  /** @throws RollcallError `USAGE_INVALID` for bad options or an empty address list. */
  constructor(
    addresses: readonly { host: string; port: number }[],
    options: Omit<BridgeClientOptions, 'host' | 'port'>,
  ) {
    super();
    if (addresses.length === 0) {
      throw new RollcallError(ErrorCode.UsageInvalid, 'BridgeClients needs at least one node address');
    }
    this.clients = addresses.map((address) => {
      const client = new BridgeClient({ ...options, ...address });
      const ref = (): NodeRef => ({ address: client.address, nodeId: client.state.nodeId });
      client.on('connected', () => this.emit('connected', ref()));
      client.on('disconnected', ({ reason }) => this.emit('disconnected', { ...ref(), reason }));
      client.on('status', (status) => this.emit('status', ref(), status));
      client.on('frame', (metadata, jpeg) => this.emit('frame', metadata, jpeg, ref()));
      client.on('galleryNeeded', ({ galleryVersion, descriptorModel }) =>
        this.emit('galleryNeeded', { ...ref(), galleryVersion, descriptorModel }),
      );
      // Returning the promise keeps the per-node ACK waiting for our own listeners.
      client.onEvent(async (event) => {
        const listeners = this.listeners('event') as ((
          event: RecognitionEvent,
          source: EventSource,
        ) => unknown)[];
        if (listeners.length === 0) throw new RollcallError(ErrorCode.UsageInvalid, 'no event listener');
        const source: EventSource = { ...ref(), clockSkewMs: client.state.clockSkewMs };
        for (const listener of listeners) await listener.call(this, event, source);
      });
      return client;
    });
  }

  /** As {@link BridgeClient.onEvent}: the node's ACK waits for the returned promise. */
  onEvent(handler: (event: RecognitionEvent, source: EventSource) => Promise<void> | void): this {
    // The promise is not dropped: the per-node listener awaits what each listener returns.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    return this.on('event', handler);
  }

  start(): void {
    for (const client of this.clients) client.start();
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.close()));
  }

  /** Every node's state, for `GET /nodes`. */
  nodes(): NodeState[] {
    return this.clients.map((client) => ({ address: client.address, ...client.state }));
  }

  /** The connected clients. */
  connected(): BridgeClient[] {
    return this.clients.filter((client) => client.state.connected);
  }

  /**
   * Asks the first connected node for embeddings; with `model`, the first connected node whose
   * engine makes that model (as its STATUS says).
   *
   * @throws RollcallError `BRIDGE_NOT_CONNECTED` when no (such) node is connected; as {@link BridgeClient.embed}.
   */
  embed(photos: EmbedPhoto[], timeoutMs?: number, model?: DescriptorModel): Promise<EmbedReply> {
    const client = this.connected().find(
      (c) => model === undefined || c.state.status?.descriptorModel === model,
    );
    if (client === undefined) {
      const which = model === undefined ? 'no recognition node' : `no recognition node of model ${model}`;
      return Promise.reject(new RollcallError(ErrorCode.BridgeNotConnected, `${which} is connected`));
    }
    return client.embed(photos, timeoutMs);
  }
}
