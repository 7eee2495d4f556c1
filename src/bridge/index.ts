/**
 * The bridge room: the recognition node's server (`node/`), the web node's clients (`web/`), the
 * protocol both speak (`protocol/`) and the shared secret. The node's storage behind the server —
 * the outbox and the gallery — is the recognition room's; the server reaches it through
 * {@link NodeOutbox} and {@link GalleryReplica}.
 */
export { BridgeServer, type BridgeServerDeps, type NodeStatusSource } from './node/bridge.server.js';
export type { BridgeServerOptions, BridgeServerTlsOptions } from './node/server-options.js';
export type { BridgeServerEvents, ConnectionInfo } from './node/server-events.js';
export type { GalleryChange, GalleryReplica, GalleryUpdate } from './node/gallery-replica.js';
export type { NodeOutbox } from './node/node-outbox.js';
export { BridgeClient, type BridgeClientEvents, type BridgeClientState } from './web/bridge.client.js';
export {
  BridgeClients,
  type BridgeClientsEvents,
  type EventSource,
  type NodeRef,
  type NodeState,
} from './web/bridge-clients.js';
export { BridgeConnectError } from './web/bridge-connect-error.js';
export type {
  BridgeClientOptions,
  BridgeClientTlsOptions,
  BridgeConnectOptions,
} from './web/client-options.js';
export { probeNode, type ProbeResult } from './web/probe.js';
export {
  BRIDGE_SECRET_FILE,
  bridgeSecretFile,
  isLoopbackHost,
  readStoredBridgeSecret,
  resolveBridgeSecret,
  type BridgeSecretOptions,
  type BridgeSecretResolution,
} from './bridge-secret.js';
export {
  PROTOCOL_VERSION,
  ProtocolError,
  isProtocolError,
  snapshotParts,
  type BridgeSettings,
  type CameraStatus,
  type EmbedPhoto,
  type EmbedReply,
  type EmbedResult,
  type EmbeddedFace,
  type GalleryPerson,
  type NodeStatus,
  type WireError,
} from './protocol/index.js';
