/**
 * Every route an Express 5 app answers, read from its router rather than written down by hand, so
 * a route added later is in the list too. Express 5 routes with `router@2` and `path-to-regexp@8`:
 * the app's `router.stack` holds layers; a layer with a `route` is an endpoint (`route.path`, the
 * pattern as written, and `route.methods`); a layer whose handle has a `stack` is a router mounted
 * under the layer's `rawPath`. A mounted sub-app (Bull Board) hides behind Express's `mounted_app`
 * closure, so its whole mount is one entry of every method (`ALL`); middleware that serves files
 * (`express.static`) under a mount path counts as an endpoint there.
 */

/** One method on one path pattern, as the app's routers declare it (`/api/v1/people/:id`). */
export interface RouteEntry {
  method: string;
  path: string;
}

/** The shapes of `router@2` layers this reads; not exported by Express's types. */
interface Layer {
  name?: string;
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean | undefined> };
  handle?: { stack?: unknown };
}

function paths(raw: unknown): string[] {
  if (typeof raw === 'string') return [raw];
  if (Array.isArray(raw)) return raw.flat(Infinity).filter((p): p is string => typeof p === 'string');
  // A RegExp path cannot be listed as a pattern; none is used, and this makes one visible.
  throw new Error(`route-table: cannot list a route whose path is ${String(raw)}`);
}

function join(prefix: string, path: string): string {
  const joined = `${prefix}/${path}`.replace(/\/{2,}/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

function walk(stack: unknown, prefix: string, out: RouteEntry[]): void {
  if (!Array.isArray(stack)) throw new Error(`route-table: no router stack under ${prefix || '/'}`);
  for (const layer of stack as Layer[]) {
    if (layer.route) {
      const methods = Object.keys(layer.route.methods).filter((m) => layer.route?.methods[m] === true);
      for (const path of paths(layer.route.path)) {
        for (const method of methods)
          out.push({ method: method === '_all' ? 'ALL' : method.toUpperCase(), path: join(prefix, path) });
      }
      continue;
    }
    const mounts = layer.rawPath === undefined ? ['/'] : paths(layer.rawPath);
    const handle = layer.handle;
    const child = handle?.stack;
    for (const mount of mounts) {
      if (child !== undefined) walk(child, join(prefix, mount), out);
      // Express 5 mounts a sub-app (Bull Board) inside a closure its router cannot be read from:
      // the whole mount counts, every method, at its root and below.
      else if (layer.name === 'mounted_app') {
        out.push(
          { method: 'ALL', path: join(prefix, mount) },
          { method: 'ALL', path: join(join(prefix, mount), '*rest') },
        );
      } else if (layer.name === 'serveStatic' && mount !== '/')
        out.push({ method: 'GET', path: join(join(prefix, mount), '*file') });
    }
  }
}

/** The routes of `app` (an Express 5 application), in declaration order, without duplicates. */
export function listRoutes(app: { router: unknown }): RouteEntry[] {
  const router = app.router as { stack?: unknown } | undefined;
  const out: RouteEntry[] = [];
  walk(router?.stack, '', out);
  const seen = new Set<string>();
  return out.filter((r) => {
    const key = `${r.method} ${r.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * A concrete URL for a `path-to-regexp@8` pattern: each `:param` and `*wildcard` becomes a
 * harmless sample (`x1`), and optional `{…}` groups are kept.
 */
export function samplePath(pattern: string): string {
  let n = 0;
  return pattern.replace(/[{}]/g, '').replace(/[:*]([A-Za-z_$][\w$]*)/g, () => `x${++n}`);
}
