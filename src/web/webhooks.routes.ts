/**
 * `/api/v1/webhooks` (admin only, mounted behind the admin check): the URLs that receive events,
 * their delivery logs, and a test event on demand. The rules are `WebhookService`'s; a hook's
 * secret is answered once, when it is made or replaced.
 */
import { Router } from 'express';
import type {
  WebhookAnswer,
  WebhookCreatedAnswer,
  WebhookDeliveriesAnswer,
  WebhookEventsAnswer,
  WebhooksAnswer,
  WebhookTestAnswer,
} from './api-views.js';
import { fields, invalid, optionalString, routeId, STORE_ID } from './body.js';
import { parsePage } from './query.js';
import type { WebhooksPort } from './types.js';

function optionalBoolean(body: Record<string, unknown>, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalid(`${field}: true or false`);
  return value;
}

export function createWebhooksRouter(deps: { webhooks: WebhooksPort }): Router {
  const { webhooks } = deps;
  const router = Router();

  router.get('/webhooks', async (req, res) => {
    const page = await webhooks.list(parsePage(req.query));
    res.json({ webhooks: page.items, nextOffset: page.nextOffset } satisfies WebhooksAnswer);
  });

  router.get('/webhooks/events', (_req, res) => {
    res.json({ events: webhooks.eventTypes() } satisfies WebhookEventsAnswer);
  });

  router.post('/webhooks', async (req, res) => {
    const body = fields(req.body);
    if (body.url === undefined) throw invalid('url: give the address that receives the events');
    if (body.events === undefined) throw invalid('events: choose the events the address receives');
    const description = optionalString(body, 'description');
    const active = optionalBoolean(body, 'active');
    const created = await webhooks.create({
      url: body.url,
      events: body.events,
      ...(description === undefined ? {} : { description }),
      ...(active === undefined ? {} : { active }),
    });
    res.status(201).json(created satisfies WebhookCreatedAnswer);
  });

  router.get('/webhooks/:id', async (req, res) => {
    res.json({ webhook: await webhooks.get(routeId(req, STORE_ID)) } satisfies WebhookAnswer);
  });

  router.patch('/webhooks/:id', async (req, res) => {
    const body = fields(req.body);
    const description = optionalString(body, 'description');
    const active = optionalBoolean(body, 'active');
    if (
      body.url === undefined &&
      body.events === undefined &&
      description === undefined &&
      active === undefined
    )
      throw invalid('send url, events, description or active to change');
    const webhook = await webhooks.update(routeId(req, STORE_ID), {
      ...(body.url === undefined ? {} : { url: body.url }),
      ...(body.events === undefined ? {} : { events: body.events }),
      ...(description === undefined ? {} : { description }),
      ...(active === undefined ? {} : { active }),
    });
    res.json({ webhook } satisfies WebhookAnswer);
  });

  router.delete('/webhooks/:id', async (req, res) => {
    const id = routeId(req, STORE_ID);
    await webhooks.remove(id);
    res.json({ id, deleted: true });
  });

  router.post('/webhooks/:id/secret', async (req, res) => {
    res.json((await webhooks.rotateSecret(routeId(req, STORE_ID))) satisfies WebhookCreatedAnswer);
  });

  router.get('/webhooks/:id/deliveries', async (req, res) => {
    const page = await webhooks.deliveries(routeId(req, STORE_ID), parsePage(req.query));
    res.json({ deliveries: page.items, nextOffset: page.nextOffset } satisfies WebhookDeliveriesAnswer);
  });

  router.post('/webhooks/:id/test', async (req, res) => {
    res.json({ delivery: await webhooks.sendTest(routeId(req, STORE_ID)) } satisfies WebhookTestAnswer);
  });

  return router;
}
