/**
 * `--shard i/n`: a deterministic split of the selected parts into n shards, so that n CI jobs
 * each run one and together run every part exactly once. The rule: a part goes to shard
 * 1 + (the first 32 bits of sha256(KEY)) mod n, where KEY is `SERVER/DBNAME` for a fleet part
 * (every part of one database lands in the same shard, so `after:` between them holds) and
 * the part's name otherwise. The same config gives the same split on every machine, and adding
 * a database moves no other. Pure.
 */
import { createHash } from 'node:crypto';
import type { Part } from '../config/types.js';
import { usageError } from '../errors.js';

/** Shard `index` (1-based) of `count`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** `i/n` → a Shard; anything else is a usage error. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) throw usageError(`--shard must be i/n with 1 <= i <= n (1/4, 2/4, …), not "${text}"`, 'Run n jobs with --shard 1/n … n/n: together they cover every part once.');
  return { index, count };
}

/** The shard (1-based) a part belongs to among `count`. */
export function shardOf(part: Part, count: number): number {
  const key = part.server !== undefined ? `${part.server}/${part.dbname}` : part.name;
  return 1 + (createHash('sha256').update(key).digest().readUInt32BE(0) % count);
}

/** The parts of one shard, in the order given. */
export function partsOfShard(parts: readonly Part[], shard: Shard): Part[] {
  return parts.filter((p) => shardOf(p, shard.count) === shard.index);
}
