import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { isRollcallError } from '../../src/core/index.js';
import { ping, PrivateRedis } from '../../src/queues/index.js';
import { processExists } from '../support/processes.js';
import { tempDir } from '../support/temp.js';

/** Sends one inline command and returns the first reply line. */
function command(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(`${line}\r\n`));
    let reply = '';
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      const lines = reply.split('\r\n');
      // A bulk string ($n) comes on two lines; every other reply on one.
      if (lines.length > (reply.startsWith('$') && !reply.startsWith('$-1') ? 2 : 1)) {
        socket.destroy();
        resolve(reply.startsWith('$') ? (lines[1] ?? '') : (lines[0] ?? ''));
      }
    });
    socket.on('error', reject);
  });
}

describe('PrivateRedis', () => {
  it('runs redis-server on a free loopback port and keeps data across restarts', async () => {
    const dataDir = await tempDir('redis');
    const first = await PrivateRedis.start({ dataDir });
    assert.match(first.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(await ping(first.port));
    assert.equal(await command(first.port, 'SET rollcall:test kept'), '+OK');
    const pid = first.pid;
    await first.close();
    await first.close(); // idempotent
    assert.equal(processExists(pid), false, 'redis-server stopped with the app');

    const second = await PrivateRedis.start({ dataDir });
    try {
      assert.equal(await command(second.port, 'GET rollcall:test'), 'kept', 'the append-only file survived');
    } finally {
      await second.close();
    }
  });

  it('stops a redis-server left behind by a killed run before starting its own', async () => {
    const dataDir = await tempDir('redis');
    const orphan = await PrivateRedis.start({ dataDir });
    const orphanPid = orphan.pid;
    const next = await PrivateRedis.start({ dataDir });
    try {
      assert.equal(processExists(orphanPid), false);
      assert.ok(await ping(next.port));
    } finally {
      await next.close();
      await orphan.close();
    }
  });

  it('says how to install redis-server when it is missing', async () => {
    const dataDir = await tempDir('redis');
    await assert.rejects(
      PrivateRedis.start({ dataDir, redisServerPath: '/nonexistent/redis-server' }),
      (error: unknown) =>
        isRollcallError(error, 'REDIS_MISSING') && /apt-get install redis-server/.test(error.message),
    );
  });
});
