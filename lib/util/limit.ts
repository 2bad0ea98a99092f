/** Bounded concurrency for async work keyed by a resource (a fleet's server). */

/**
 * `fn` on every item, in order of start, at most `limit` at once per key (items whose key is
 * undefined are not limited); the results in the order of `items`. Rejects with the first error.
 */
export async function mapPerKey<T, R>(items: readonly T[], keyOf: (item: T) => string | undefined, limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const queues = new Map<string, number[]>();
  const free: number[] = [];
  items.forEach((item, k) => {
    const key = keyOf(item);
    if (key === undefined) free.push(k);
    else queues.set(key, [...(queues.get(key) ?? []), k]);
  });
  const out = new Array<R>(items.length);
  const worker = async (queue: number[]) => {
    for (let k = queue.shift(); k !== undefined; k = queue.shift()) out[k] = await fn(items[k]!);
  };
  const lanes = [...queues.values()].flatMap((queue) => Array.from({ length: Math.max(1, Math.min(limit, queue.length)) }, () => worker(queue)));
  await Promise.all([...free.map(async (k) => (out[k] = await fn(items[k]!))), ...lanes]);
  return out;
}
