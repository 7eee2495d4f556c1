/** The web node's HTTP server: `start()` listens, `close()` stops it and its session client. */
import { once } from 'node:events';
import http from 'node:http';
import { createWebApp, type WebApp, type WebDeps, type WebOptions } from './web-app.js';

export class WebServer {
  #app: WebApp | undefined;
  #server: http.Server | undefined;
  #closing: Promise<void> | undefined;

  constructor(
    private readonly deps: WebDeps,
    private readonly options: WebOptions,
  ) {}

  /** Builds the app and listens; resolves with the port actually bound. */
  async start(): Promise<{ port: number }> {
    if (this.#server) throw new Error('WebServer.start() was already called');
    const app = createWebApp(this.deps, this.options);
    this.#app = app;
    const server = http.createServer(app.app);
    this.#server = server;
    server.on('upgrade', (req, socket, head) => {
      if (!app.live.handleUpgrade(req, socket, head)) socket.destroy();
    });
    // Slow clients must not hold sockets open forever (slowloris).
    server.headersTimeout = 20_000;
    server.requestTimeout = 120_000;
    server.listen(this.options.port, this.options.host);
    try {
      await once(server, 'listening');
    } catch (error) {
      await this.close();
      throw error;
    }
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the web server has no TCP address');
    return { port: address.port };
  }

  /** Stops accepting, lets open requests finish within the deadline, then disconnects; idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const server = this.#server;
      // Live-view sockets are upgraded connections: the server would wait for them forever.
      this.#app?.live.close();
      if (server?.listening) {
        const closed = new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
        });
        server.closeIdleConnections();
        const timer = setTimeout(() => {
          server.closeAllConnections();
        }, this.options.closeTimeoutMs ?? 5000);
        try {
          await closed;
        } finally {
          clearTimeout(timer);
        }
      }
      await this.#app?.close();
    })();
    return this.#closing;
  }
}
