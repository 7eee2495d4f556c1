/** What the bridge server tells its listeners. */
import type { RollcallError } from '../../core/index.js';
import type { BridgeSettings } from '../protocol/index.js';
import type { GalleryChange } from './gallery-replica.js';

export interface ConnectionInfo {
  connectionId: number;
  remoteAddress: string;
  /** The client id proven in the handshake; undefined before it finished. */
  clientId: string | undefined;
}

export interface BridgeServerEvents {
  /** A web node finished the handshake. */
  connected: [ConnectionInfo];
  /** A connection ended (authenticated or not), and why. */
  disconnected: [ConnectionInfo & { reason: string }];
  /** A gallery message was applied and persisted. */
  galleryChanged: [GalleryChange];
  /**
   * A gallery message of another descriptor model than the node's was refused (and answered with
   * ERROR `DESCRIPTOR_MODEL_MISMATCH`); the connection stays open and the gallery is unchanged.
   */
  galleryRefused: [ConnectionInfo & { kind: GalleryChange['kind']; error: RollcallError }];
  /** A web node pushed settings. */
  settingsChanged: [BridgeSettings];
  /** A peer broke the protocol (bad bytes, failed handshake, timeout); its connection was closed. */
  protocolError: [ConnectionInfo & { error: RollcallError }];
  /** Something on this side failed without closing the server (an outbox read, a cache write). */
  failed: [RollcallError];
}
