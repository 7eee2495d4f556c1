/**
 * A web node's requests to one node that wait for its answer: embeddings (answered by EMBED_REPLY)
 * and gallery changes (confirmed by a STATUS reporting the version). Each waits under a deadline;
 * all fail at once when the connection goes.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode, RollcallError } from '../../core/index.js';
import type { Cancel, Clock } from '../../shared/index.js';
import { Command, type BridgeMessage, type EmbedPhoto, type EmbedReply } from '../protocol/index.js';

/** Where requests are written: the current connection. */
export interface RequestChannel {
  send(message: BridgeMessage): boolean;
}

interface PendingEmbed {
  resolve: (reply: EmbedReply) => void;
  reject: (error: RollcallError) => void;
  cancel: Cancel;
}

interface GalleryWaiter {
  version: number;
  resolve: () => void;
  reject: (error: RollcallError) => void;
  cancel: Cancel;
}

export class NodeRequests {
  readonly #clock: Clock;
  /** `host:port` of the node, for messages. */
  readonly #address: string;
  readonly #embeds = new Map<string, PendingEmbed>();
  #galleryWaiters: GalleryWaiter[] = [];

  constructor(clock: Clock, address: string) {
    this.#clock = clock;
    this.#address = address;
  }

  notConnected(): RollcallError {
    return new RollcallError(
      ErrorCode.BridgeNotConnected,
      `node ${this.#address} is not connected; retry later`,
    );
  }

  /**
   * Sends an EMBED_REQUEST and resolves with its reply.
   *
   * @throws RollcallError `BRIDGE_TIMEOUT`; what sending throws (`BAD_MESSAGE`, `FRAME_TOO_LARGE`).
   */
  embed(channel: RequestChannel, photos: EmbedPhoto[], timeoutMs: number): Promise<EmbedReply> {
    const requestId = randomUUID();
    return new Promise<EmbedReply>((resolve, reject) => {
      const cancel = this.#clock.schedule(timeoutMs, () => {
        this.#embeds.delete(requestId);
        reject(
          new RollcallError(
            ErrorCode.BridgeTimeout,
            `${this.#address}: no embed reply within ${timeoutMs} ms`,
          ),
        );
      });
      this.#embeds.set(requestId, { resolve, reject, cancel });
      try {
        channel.send({ command: Command.EMBED_REQUEST, requestId, photos });
      } catch (error) {
        cancel();
        this.#embeds.delete(requestId);
        reject(error instanceof RollcallError ? error : this.notConnected());
      }
    });
  }

  /**
   * Sends gallery messages and resolves once a STATUS reports `version` or later.
   *
   * @throws RollcallError `BRIDGE_TIMEOUT`; `DESCRIPTOR_MODEL_MISMATCH` when the node refuses it;
   *   what sending throws.
   */
  gallery(
    channel: RequestChannel,
    messages: BridgeMessage[],
    version: number,
    timeoutMs: number,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: GalleryWaiter = {
        version,
        resolve,
        reject,
        cancel: this.#clock.schedule(timeoutMs, () => {
          this.#galleryWaiters = this.#galleryWaiters.filter((w) => w !== waiter);
          reject(
            new RollcallError(
              ErrorCode.BridgeTimeout,
              `${this.#address}: the node did not confirm gallery version ${version} within ${timeoutMs} ms`,
            ),
          );
        }),
      };
      try {
        for (const message of messages) channel.send(message);
      } catch (error) {
        waiter.cancel();
        reject(error instanceof RollcallError ? error : this.notConnected());
        return;
      }
      this.#galleryWaiters.push(waiter);
    });
  }

  /** A STATUS arrived: gallery changes up to its version are confirmed. */
  statusArrived(galleryVersion: number): void {
    this.#galleryWaiters = this.#galleryWaiters.filter((waiter) => {
      if (galleryVersion < waiter.version) return true;
      waiter.cancel();
      waiter.resolve();
      return false;
    });
  }

  /** An EMBED_REPLY arrived (ignored when its request timed out already). */
  embedReplied(requestId: string, reply: EmbedReply): void {
    const pending = this.#embeds.get(requestId);
    if (pending === undefined) return;
    this.#embeds.delete(requestId);
    pending.cancel();
    pending.resolve(reply);
  }

  /** The node refused a gallery of another model: nothing it will confirm, so fail the waits now. */
  galleryRefused(error: RollcallError): void {
    for (const waiter of this.#galleryWaiters.splice(0)) {
      waiter.cancel();
      waiter.reject(error);
    }
  }

  /** Fails every request waiting (`BRIDGE_NOT_CONNECTED`, naming `reason`). */
  failAll(reason: string): void {
    const error = new RollcallError(ErrorCode.BridgeNotConnected, `node ${this.#address}: ${reason}`);
    for (const [id, pending] of this.#embeds) {
      pending.cancel();
      pending.reject(error);
      this.#embeds.delete(id);
    }
    this.galleryRefused(error);
  }
}
