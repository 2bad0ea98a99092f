/**
 * Imported by client.ts just before `pg`: pg asks at load time whether it runs in a Cloudflare
 * Worker, first through `navigator.userAgent` and, when there is no `navigator` (Node < 21), by
 * constructing a fetch `Response`, which makes Node 20 load its whole fetch implementation
 * (undici): a third of pg's load time. A `navigator` with Node's user agent, as Node 21 and later
 * define it, answers the question first; `restoreNavigator()` removes it once pg is loaded.
 */
const added = !('navigator' in globalThis);
if (added) {
  Object.defineProperty(globalThis, 'navigator', { value: { userAgent: `Node.js/${process.versions.node.split('.')[0]}` }, configurable: true, writable: true });
}

/** Take back the `navigator` this module added (pg reads it only while it loads). */
export function restoreNavigator(): void {
  if (added) delete (globalThis as { navigator?: unknown }).navigator;
}
