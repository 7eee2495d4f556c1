/**
 * The bridge room: the recognition node's server, the web node's clients, the shared secret, and
 * what other rooms need of the protocol, the outbox and the gallery cache.
 */
export {
  BridgeServer,
  type BridgeServerDeps,
  type BridgeServerEvents,
  type BridgeServerOptions,
  type BridgeServerTlsOptions,
  type BridgeSettings,
  type ConnectionInfo,
  type GalleryChange,
  type NodeStatusSource,
} from './bridge.server.js';
export {
  BridgeClient,
  BridgeClients,
  BridgeConnectError,
  probeNode,
  snapshotParts,
  type BridgeClientEvents,
  type BridgeClientOptions,
  type BridgeClientState,
  type BridgeClientsEvents,
  type BridgeClientTlsOptions,
  type BridgeConnectOptions,
  type NodeRef,
  type NodeState,
  type NodeStatus,
  type ProbeResult,
} from './bridge.client.js';
export {
  BRIDGE_SECRET_FILE,
  bridgeSecretFile,
  isLoopbackHost,
  readStoredBridgeSecret,
  resolveBridgeSecret,
  type BridgeSecretOptions,
  type BridgeSecretResolution,
} from './bridge-secret.js';
export { EventOutbox, type EventOutboxOptions, type OutboxRecovery } from './outbox/index.js';
export { GalleryCache, type GalleryCacheOptions, type GallerySnapshot } from './gallery-cache/index.js';
export {
  PROTOCOL_VERSION,
  ProtocolError,
  isProtocolError,
  type CameraStatus,
  type EmbedPhoto,
  type EmbedReply,
  type EmbedResult,
  type EmbeddedFace,
  type GalleryPerson,
  type WireError,
} from './protocol/index.js';
