/** How pgv writes durations for people. Pure. */

/** 1234 → "1.23 s", 85 → "85 ms". */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
