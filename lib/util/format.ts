/** How pgv writes durations for people. Pure. */

/** 1234 → "1.23 s", 85 → "85 ms". */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** A count and its noun: (1, 'script') → "1 script", (2, 'script') → "2 scripts"; `many` for irregular plurals. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
