/**
 * Prometheus metrics for the web node, in a registry of its own (several apps in one process, as in
 * tests, must not collide in prom-client's global one).
 */
import type { Request, RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { NodeState } from './types.js';

/** Where a router records its mount path: `req.baseUrl` is reset by the time an error is answered. */
export const ROUTE_BASE_LOCAL = 'routeBase';

/**
 * The route pattern (`/api/v1/people/:id`), not the URL: ids in labels would grow the series
 * without bound. Requests that matched no route share one label.
 */
function routeLabel(req: Request, base: unknown): string {
  const route = req.route as { path?: unknown } | undefined;
  if (typeof route?.path === 'string') return `${typeof base === 'string' ? base : req.baseUrl}${route.path}`;
  if (req.originalUrl.startsWith('/admin/queues')) return '/admin/queues';
  return 'unmatched';
}

export class WebMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'method' | 'route' | 'status'>;
  readonly #durations: Histogram<'method' | 'route' | 'status'>;

  constructor(nodes: () => readonly NodeState[]) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'rollcall_' });
    this.#requests = new Counter({
      name: 'rollcall_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.#durations = new Histogram({
      name: 'rollcall_http_request_duration_seconds',
      help: 'Time to answer HTTP requests, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    new Gauge({
      name: 'rollcall_nodes_connected',
      help: 'Recognition nodes this web node is connected to',
      registers,
      collect() {
        this.set(nodes().filter((node) => node.connected).length);
      },
    });
    new Gauge({
      name: 'rollcall_nodes_configured',
      help: 'Recognition nodes this web node is configured to connect to',
      registers,
      collect() {
        this.set(nodes().length);
      },
    });
  }

  /** Counts and times every request when its answer is finished. */
  readonly middleware: RequestHandler = (req, res, next) => {
    const stop = this.#durations.startTimer();
    res.once('finish', () => {
      const labels = {
        method: req.method,
        route: routeLabel(req, res.locals[ROUTE_BASE_LOCAL]),
        status: String(res.statusCode),
      };
      this.#requests.inc(labels);
      stop(labels);
    });
    next();
  };

  /** The text exposition format, and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
