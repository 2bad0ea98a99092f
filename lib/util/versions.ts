/** Version strings (`3`, `1.2.10`) compared as numbers. Pure. */

/** Compare two version strings as numbers, component by component (`10.0` > `2.9`, `1.2` = `1.2.0`). */
export function compareVersions(a: string, b: string): number {
  if (a === b) return 0;
  // Whole numbers (schema generations, the common case) compare without splitting.
  if (wholeNumber.test(a) && wholeNumber.test(b)) return Math.sign(Number(a) - Number(b));
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

const wholeNumber = /^\d{1,15}$/;
