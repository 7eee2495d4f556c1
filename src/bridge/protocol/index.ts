/**
 * The bridge protocol: framing, typed messages, the handshake and snapshots in parts, all free of
 * sockets. The node's server (`../node`) and the web node's client (`../web`) are built on these.
 */
export {
  FrameDecoder,
  encodeFrame,
  PROTOCOL_VERSION,
  FRAME_HEADER_BYTES,
  DEFAULT_MAX_JSON_BYTES,
  DEFAULT_MAX_BINARY_BYTES,
  type DecodedFrame,
  type FrameInput,
  type FrameLimits,
} from './frame-codec.js';
export * from './messages.js';
export { wireDescriptorBytes, packDescriptors, unpackDescriptors } from './descriptor-codec.js';
export * from './protocol-error.js';
export * from './handshake.js';
export { omitCommand, type BridgeSettings, type NodeStatus } from './payloads.js';
export { SnapshotCollector, snapshotParts } from './snapshot-parts.js';
