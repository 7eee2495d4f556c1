/** The route table read from an Express 5 router: the basis of the authorization matrix. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import express, { Router } from 'express';
import { authorizationMatrix } from '../support/route-matrix.js';
import { listRoutes, samplePath } from '../support/route-table.js';

describe('route table of an Express 5 app', () => {
  it('lists routes of the app, of mounted routers at any depth, and of mounted sub-apps', () => {
    const app = express();
    app.get('/healthz', (_req, res) => res.end());
    const api = Router();
    api.use((_req, _res, next) => {
      next();
    });
    const nested = Router();
    nested.post('/items/:id/move', (_req, res) => res.end());
    nested
      .route('/items/:id')
      .get((_req, res) => res.end())
      .delete((_req, res) => res.end());
    api.use(nested);
    api.use(['/a', '/b'], (_req, _res, next) => {
      next();
    });
    api.put(['/x', '/y/:id'], (_req, res) => res.end());
    app.use('/api/v2', express.json(), api);
    const sub = express();
    sub.get('/inner', (_req, res) => res.end());
    app.use('/board', sub);
    app.use('/files', express.static('/nonexistent'));

    assert.deepEqual(
      listRoutes(app).map((r) => `${r.method} ${r.path}`),
      [
        'GET /healthz',
        'POST /api/v2/items/:id/move',
        'GET /api/v2/items/:id',
        'DELETE /api/v2/items/:id',
        'PUT /api/v2/x',
        'PUT /api/v2/y/:id',
        'ALL /board',
        'ALL /board/*rest',
        'GET /files/*file',
      ],
    );
  });

  it('turns a pattern into a URL that matches it', () => {
    assert.equal(samplePath('/api/v1/users/:id/tokens/:tokenId'), '/api/v1/users/x1/tokens/x2');
    assert.equal(samplePath('/assets/:name.js'), '/assets/x1.js');
    assert.equal(samplePath('/admin/queues/*rest'), '/admin/queues/x1');
    assert.equal(samplePath('/files{/:name}'), '/files/x1');
  });

  it('refuses to build a matrix that would check nothing or miss a known route', () => {
    assert.throws(() => authorizationMatrix(express()), /no route was derived from the router/);
    const partial = express();
    partial.get('/healthz', (_req, res) => res.end());
    assert.throws(() => authorizationMatrix(partial), /known route .* was not derived from the router/);
  });
});
