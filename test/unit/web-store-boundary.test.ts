/**
 * The web room talks to services, never to the store (issue #13: "routes call services, not Redis
 * or the store"). Read from the sources with the TypeScript parser, so comments and strings (the
 * word "store" in a message) do not count, and a route that reaches for `deps.store.getPerson`
 * does.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const WEB_DIR = fileURLToPath(new URL('../../../src/web/', import.meta.url));

/**
 * The one file that may name the `Store`: `web-app.ts` assembles the web node, handing the store it
 * is given to the services' constructors. It may still never call it (`store.x`).
 */
const COMPOSITION_ROOT = 'web-app.ts';

/**
 * Values the web room may import from the store room: limits the HTTP layer checks so it refuses
 * up front what the store would refuse. Types of records (`User`, `StoredEvent`) are data, not the
 * store, and may be imported anywhere.
 */
const STORE_LIMITS = new Set(['MAX_NAME_LENGTH', 'MAX_PAGE_LIMIT']);

/** The store's interface, adapters and factory: what reaching the store needs. */
const STORE_RUNTIME = new Set(['Store', 'SqliteStore', 'MongoStore', 'createStore']);

function nameOf(node: ts.Node): string | undefined {
  if (ts.isIdentifier(node)) return node.text;
  if (ts.isPropertyAccessExpression(node)) return node.name.text;
  return undefined;
}

/** Where one web source breaks the rule, as `file:line: what`. */
export function storeUses(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true);
  const root = path.basename(fileName) === COMPOSITION_ROOT;
  const problems: string[] = [];
  const report = (node: ts.Node, what: string) => {
    const line = file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
    problems.push(`${path.basename(fileName)}:${line}: ${what}`);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const fromStore = /(^|\/)store\//.test(node.moduleSpecifier.text);
      const clause = node.importClause;
      const clauseTypeOnly = clause?.phaseModifier === ts.SyntaxKind.TypeKeyword;
      const named = clause?.namedBindings;
      if (fromStore && named && ts.isNamedImports(named)) {
        for (const element of named.elements) {
          const name = (element.propertyName ?? element.name).text;
          const typeOnly = clauseTypeOnly || element.isTypeOnly;
          if (STORE_RUNTIME.has(name) && !(root && name === 'Store' && typeOnly)) {
            report(element, `imports ${name} from the store room`);
          } else if (!typeOnly && !STORE_LIMITS.has(name)) {
            report(element, `imports the value ${name} from the store room`);
          }
        }
      } else if (fromStore && clause && !clauseTypeOnly) {
        report(node, 'imports the store room as a whole');
      }
      return;
    }
    // `store.listPeople(…)`, `deps.store.getPerson(…)`, `this.store?.x`, `deps.store['x']`.
    if (
      (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) &&
      nameOf(node.expression) === 'store'
    ) {
      report(node, `uses the store directly (${node.getText(file)})`);
    } else if (!root && ts.isIdentifier(node) && node.text === 'store') {
      // A dependency, parameter or variable called `store` outside the composition root.
      report(node, 'takes a store');
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return problems;
}

describe('the web room and the store', () => {
  it('no file under src/web reaches the store: routes and middleware call services', async () => {
    const names = (await readdir(WEB_DIR)).filter((name) => name.endsWith('.ts')).sort();
    assert.ok(names.includes(COMPOSITION_ROOT) && names.includes('api.routes.ts'), `read ${WEB_DIR}`);
    const problems: string[] = [];
    for (const name of names) {
      problems.push(...storeUses(name, await readFile(path.join(WEB_DIR, name), 'utf8')));
    }
    assert.deepEqual(problems, []);
  });

  it('catches a route that calls the store, takes one, or imports its runtime', () => {
    const route = [
      "import type { Store, User } from '../store/index.js';",
      "import { SqliteStore, MAX_NAME_LENGTH } from '../store/index.js';",
      'export function createRouter(deps: { store: Store }) {',
      '  return (id: string) => deps.store.getPerson(id);',
      '}',
    ].join('\n');
    assert.deepEqual(storeUses('people.routes.ts', route), [
      'people.routes.ts:1: imports Store from the store room',
      'people.routes.ts:2: imports SqliteStore from the store room',
      'people.routes.ts:3: takes a store',
      'people.routes.ts:4: uses the store directly (deps.store.getPerson)',
      'people.routes.ts:4: takes a store',
    ]);
  });

  it('lets the composition root name the Store for the services, never call it', () => {
    const root = [
      "import type { Store } from '../store/index.js';",
      'export function createWebApp(deps: { store: Store }) {',
      '  const { store } = deps;',
      '  const people = new PeopleService({ store });',
      '  return { people, ok: () => deps.store.getGalleryVersion(), name: store.getPerson };',
      '}',
    ].join('\n');
    assert.deepEqual(storeUses('web-app.ts', root), [
      'web-app.ts:5: uses the store directly (deps.store.getGalleryVersion)',
      'web-app.ts:5: uses the store directly (store.getPerson)',
    ]);
  });

  it('ignores the word in comments, strings and other names (the session store)', () => {
    const source = [
      '// the store answers; store.getUser is not called here',
      "const message = 'the store is busy: store.x';",
      'const sessionStore = new RedisStore({});',
      'sessionStore.get(id);',
    ].join('\n');
    assert.deepEqual(storeUses('live-feed.ts', source), []);
  });
});
