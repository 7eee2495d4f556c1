/**
 * When to re-embed: a gallery must exist in the model of every engine that matches faces, so the
 * web node asks for the re-embedding job of a model whenever an engine of that model appears (a
 * node connects, the local engine starts) or descriptors of another model were just stored (a
 * person trained while nodes of two models are connected). The job itself finds what is missing;
 * a trigger with nothing missing queues nothing.
 */
import type { BridgeClients } from '../bridge/index.js';
import type { DescriptorModel } from '../core/index.js';
import type { JobQueue } from '../queues/index.js';
import type { Store } from '../store/index.js';
import { queueReembedIfNeeded } from './reembed-gallery.job.js';

export interface ReembedTriggerDeps {
  store: Store;
  /** The web node's bridge clients: their nodes' STATUS says each node's model. */
  clients: Pick<BridgeClients, 'on' | 'connected'>;
  /** A job was queued (or an identical one was already waiting), and why. */
  onQueued?: (info: { model: DescriptorModel; jobId: string; why: string }) => void;
  /** Checking or queueing failed (Redis or the store down); the next trigger tries again. */
  onError?: (error: unknown, model: DescriptorModel) => void;
}

export class ReembedTrigger {
  #jobs: Pick<JobQueue, 'enqueue'> | undefined;

  constructor(private readonly deps: ReembedTriggerDeps) {}

  /**
   * Queues into `jobs` from now on: watches nodes connecting, and looks at once at the nodes
   * already connected and at the local engine's model (on one machine). Triggers before the start
   * are dropped: the start looks at everything connected anyway.
   */
  start(jobs: Pick<JobQueue, 'enqueue'>, localModel?: DescriptorModel): void {
    this.#jobs = jobs;
    this.deps.clients.on('galleryNeeded', ({ descriptorModel, address }) => {
      void this.request(descriptorModel, `node ${address} connected`);
    });
    for (const model of this.connectedModels()) void this.request(model, 'a node was connected at start');
    if (localModel !== undefined) void this.request(localModel, 'the local engine started');
  }

  /**
   * Descriptors of `model` were stored (a training job): nodes of the other connected models
   * need them in their own model too.
   */
  async descriptorsStored(model: DescriptorModel): Promise<void> {
    for (const other of this.connectedModels()) {
      if (other !== model) await this.request(other, `a person was trained with ${model}`);
    }
  }

  /** Queues the job of `model` if some photo lacks its descriptors; never rejects. */
  async request(model: DescriptorModel, why: string): Promise<void> {
    const jobs = this.#jobs;
    if (jobs === undefined) return;
    try {
      const jobId = await queueReembedIfNeeded({ store: this.deps.store, jobs }, model);
      if (jobId !== undefined) this.deps.onQueued?.({ model, jobId, why });
    } catch (error) {
      this.deps.onError?.(error, model);
    }
  }

  /** The descriptor models of the connected nodes, as their STATUS says. */
  connectedModels(): Set<DescriptorModel> {
    return new Set(
      this.deps.clients
        .connected()
        .flatMap((client) => (client.state.status ? [client.state.status.descriptorModel] : [])),
    );
  }
}
