/**
 * Building and finding elements. Server data reaches the page only through `textContent`,
 * attributes and canvas text, never as HTML.
 */
import { formatTime } from './time.js';

export type Child = Node | string | number;

/** An element with attributes (`class` sets the class name) and children (text or nodes). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Readonly<Record<string, string>> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'class') node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child));
  return node;
}

/** The element with this id, or null; throws when it is there but of another kind. */
export function maybeById<T extends Element>(id: string, kind: abstract new () => T): T | null {
  const found = document.getElementById(id);
  if (found === null) return null;
  if (!(found instanceof kind)) throw new TypeError(`#${id} is a ${found.tagName}, not a ${kind.name}`);
  return found;
}

/** The element with this id, of this kind; throws when the page has none (a page and script out of step). */
export function byId<T extends Element>(id: string, kind: abstract new () => T): T {
  const found = maybeById(id, kind);
  if (found === null) throw new TypeError(`the page has no #${id}`);
  return found;
}

/** An error's message, for the page. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Shows an error in the box with this id, or hides the box when `error` is null. */
export function showError(id: string, error: unknown): void {
  const box = document.getElementById(id);
  if (!box) return;
  box.textContent = error ? errorText(error) : '';
  box.hidden = !error;
}

/** The time of day of an ISO instant on the site's clock, with seconds and zone (`lib/time.ts`); a dash for none. */
export function clock(iso: string | null): string {
  return formatTime(iso, { seconds: true });
}

/**
 * Makes `list` show one child per item, in order: a child whose key is already there is kept and
 * updated, others are created. The children are put in order only when the order changed.
 */
export function reconcile<T>(
  list: HTMLElement,
  items: readonly T[],
  keyOf: (item: T) => string,
  create: (item: T) => HTMLElement,
  update: (node: HTMLElement, item: T) => void,
): void {
  const existing = new Map<string, HTMLElement>();
  for (const child of Array.from(list.children)) {
    if (child instanceof HTMLElement && child.dataset.key !== undefined)
      existing.set(child.dataset.key, child);
  }
  const next = items.map((item) => {
    const key = keyOf(item);
    const node = existing.get(key) ?? create(item);
    node.dataset.key = key;
    update(node, item);
    return node;
  });
  const unchanged =
    next.length === list.children.length && next.every((node, i) => list.children[i] === node);
  if (!unchanged) list.replaceChildren(...next);
}

/**
 * Runs `change` (a re-render) and gives the focus back to the element that had it, when the change
 * moved that element (a move takes the focus away) but kept it on the page.
 */
export function keepingFocus(change: () => void): void {
  const focused = document.activeElement;
  change();
  if (focused instanceof HTMLElement && focused !== document.body && focused.isConnected)
    if (document.activeElement !== focused) focused.focus({ preventScroll: true });
}

/** Sets a node's text only when it differs, so a refresh that changes nothing touches nothing. */
export function setText(node: Node, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}
