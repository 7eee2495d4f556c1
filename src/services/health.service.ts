/**
 * Whether the web node can serve: `GET /healthz` answers 200 only when the store answers a read
 * and recognition events are being stored (a full disk lets reads through but refuses writes).
 */
import type { ErrorCode } from '../core/index.js';
import type { Store } from '../store/index.js';
import type { IngestFailure } from './attendance.service.js';

export interface HealthProblem {
  code: ErrorCode;
  message: string;
}

export class HealthService {
  /** @param deps.ingestFailure - why events cannot be stored right now (`AttendanceService.failing`). */
  constructor(
    private readonly deps: {
      store: Pick<Store, 'getGalleryVersion'>;
      ingestFailure?: () => IngestFailure | undefined;
    },
  ) {}

  /** Resolves when the store answers a cheap read; rejects with the store's error otherwise. */
  async check(): Promise<void> {
    await this.deps.store.getGalleryVersion();
  }

  /** What keeps the node from doing its job although the store answers; undefined when nothing. */
  problem(): HealthProblem | undefined {
    const failing = this.deps.ingestFailure?.();
    if (failing === undefined) return undefined;
    return {
      code: failing.error.code,
      message:
        `recognition events cannot be stored since ${failing.since} (${failing.failures} deliveries ` +
        `refused; the nodes keep them and send them again): ${failing.error.message}`,
    };
  }
}
