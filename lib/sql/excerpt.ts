/** A source excerpt with a caret, for errors that point into a script. Pure. */

/** A few lines around `line`, numbered, with a caret under `column`. */
export function excerpt(text: string, line: number, column: number, context = 2): string[] {
  const lines = text.split('\n');
  const from = Math.max(1, line - context);
  const to = Math.min(lines.length, line);
  const width = String(to).length;
  const out: string[] = [];
  for (let n = from; n <= to; n++) {
    out.push(`${String(n).padStart(width)} | ${lines[n - 1]!.replace(/\t/g, ' ').replace(/\r$/, '')}`);
  }
  out.push(`${' '.repeat(width)} | ${' '.repeat(Math.max(0, column - 1))}^`);
  return out;
}
