/**
 * A webhook receiver on loopback for tests, written as a user would write one (README
 * "Webhooks"): it verifies each delivery's signature and timestamp, keeps each event once by its
 * `X-Rollcall-Delivery` id, and answers 204. It can also be down (its port closed), failing (500)
 * or hanging (never answering), to stand for a receiver that is not there yet.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { verifyWebhook } from '../../src/shared/index.js';

export type ReceiverMode = 'up' | 'failing' | 'hanging';

export interface ReceivedEvent {
  id: string;
  type: string;
  createdAt: string;
  data: Record<string, unknown>;
}

export class WebhookReceiver {
  /** Every request that reached the receiver, whatever it answered. */
  requests = 0;
  /** Requests whose signature or timestamp did not verify (answered 401). */
  badSignatures: string[] = [];
  /** Events accepted (answered 204), in the order they came, each id once. */
  readonly events: ReceivedEvent[] = [];
  /** How often each id came with a valid signature, duplicates included. */
  readonly deliveries = new Map<string, number>();
  mode: ReceiverMode = 'up';
  #server: http.Server | undefined;
  #port = 0;

  /** @param secret - read at each request: a test may replace the hook's secret. */
  constructor(
    private readonly secret: () => string,
    private readonly clock: () => number = () => Date.now(),
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.#port}/hooks/rollcall`;
  }

  /** Listens (again, on the same port once it had one). */
  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      this.#handle(req, res);
    });
    server.listen(this.#port, '127.0.0.1');
    await once(server, 'listening');
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Closes the port: a receiver that is down refuses connections. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.requests++;
      if (this.mode === 'hanging') return; // never answers; the sender's deadline ends it
      if (this.mode === 'failing') {
        res.writeHead(500).end('not today');
        return;
      }
      const body = Buffer.concat(chunks);
      const header = (name: string): string | undefined => {
        const value = req.headers[name];
        return Array.isArray(value) ? value[0] : value;
      };
      const verdict = verifyWebhook({
        secret: this.secret(),
        body,
        signature: header('x-rollcall-signature'),
        timestamp: header('x-rollcall-timestamp'),
        nowMs: this.clock(),
      });
      if (!verdict.ok) {
        this.badSignatures.push(verdict.reason);
        res.writeHead(401).end(verdict.reason);
        return;
      }
      const event = JSON.parse(body.toString('utf8')) as ReceivedEvent;
      if (header('x-rollcall-delivery') !== event.id || header('x-rollcall-event') !== event.type) {
        this.badSignatures.push(`headers do not name the body's event ${event.id}`);
        res.writeHead(400).end();
        return;
      }
      const seen = this.deliveries.get(event.id) ?? 0;
      this.deliveries.set(event.id, seen + 1);
      if (seen === 0) this.events.push(event);
      res.writeHead(204).end();
    });
  }
}
