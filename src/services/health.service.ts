/** Whether the web node can serve: `GET /healthz` answers 200 only when the store answers. */
import type { Store } from '../store/index.js';

export class HealthService {
  constructor(private readonly deps: { store: Pick<Store, 'getGalleryVersion'> }) {}

  /** Resolves when the store answers a cheap read; rejects with the store's error otherwise. */
  async check(): Promise<void> {
    await this.deps.store.getGalleryVersion();
  }
}
