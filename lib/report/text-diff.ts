/** Showing where two texts differ: a caret under a changed span, a line diff. Pure. */

/** One line of a line diff: kept, only in the first text, only in the second. */
export interface DiffLine {
  readonly op: ' ' | '-' | '+';
  readonly text: string;
}

// Beyond this many cells the quadratic LCS is not worth it: the changed middle is shown as
// all-removed then all-added, which is still exact, only less tidy.
const maxCells = 4_000_000;

/** A line diff of `a` and `b` (longest common subsequence after trimming common ends). */
export function diffLines(a: readonly string[], b: readonly string[]): DiffLine[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const head = a.slice(0, start).map((text) => ({ op: ' ' as const, text }));
  const tail = a.slice(endA).map((text) => ({ op: ' ' as const, text }));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  return [...head, ...middle(midA, midB), ...tail];
}

function middle(a: readonly string[], b: readonly string[]): DiffLine[] {
  if (a.length * b.length > maxCells || a.length === 0 || b.length === 0) {
    return [...a.map((text) => ({ op: '-' as const, text })), ...b.map((text) => ({ op: '+' as const, text }))];
  }
  // lcs[i][j] = length of the LCS of a[i..] and b[j..], stored row by row.
  const w = b.length + 1;
  const lcs = new Uint32Array((a.length + 1) * w);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * w + j] = a[i] === b[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ op: ' ', text: a[i]! });
      i++;
      j++;
    } else if (lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!) out.push({ op: '-', text: a[i++]! });
    else out.push({ op: '+', text: b[j++]! });
  }
  while (i < a.length) out.push({ op: '-', text: a[i++]! });
  while (j < b.length) out.push({ op: '+', text: b[j++]! });
  return out;
}

/**
 * Shorten a line diff: runs of unchanged lines longer than 2 × `context` + 1 keep `context` lines
 * on each side of a change; the rest becomes one `… N unchanged lines` marker (op ' ').
 */
export function collapseUnchanged(lines: readonly DiffLine[], context: number): DiffLine[] {
  const out: DiffLine[] = [];
  let i = 0;
  while (i < lines.length) {
    if (lines[i]!.op !== ' ') {
      out.push(lines[i++]!);
      continue;
    }
    let j = i;
    while (j < lines.length && lines[j]!.op === ' ') j++;
    const keepBefore = i === 0 ? 0 : context;
    const keepAfter = j === lines.length ? 0 : context;
    const run = j - i;
    if (run > keepBefore + keepAfter + 1) {
      out.push(...lines.slice(i, i + keepBefore));
      out.push({ op: ' ', text: `… ${run - keepBefore - keepAfter} unchanged lines` });
      out.push(...lines.slice(j - keepAfter, j));
    } else {
      out.push(...lines.slice(i, j));
    }
    i = j;
  }
  return out;
}

/**
 * Where two one-line texts differ: the span of `b` between their common prefix and common
 * suffix, as [start, end) (end = start when text was only removed).
 */
export function changedSpan(a: string, b: string): [number, number] {
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let s = 0;
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  return [p, b.length - s];
}
