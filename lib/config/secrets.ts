/**
 * A config file that holds a literal password (not a `${env:…}` substitution) and that other
 * users can read gives the password away: warn, naming the file and the fix.
 */
import { statSync } from 'node:fs';

type Obj = Record<string, unknown>;

/** Does a connection block hold a literal password (the `password` key, or one inside `url`)? */
function literalPassword(connection: unknown): boolean {
  if (typeof connection !== 'object' || connection === null) return false;
  const c = connection as Obj;
  const literal = (v: unknown) => typeof v === 'string' && v !== '' && !v.includes('${');
  if (literal(c.password)) return true;
  if (typeof c.url !== 'string' || c.url.includes('${')) return false;
  // postgres://user:PASSWORD@host, or a keyword string with password=…
  return /^[a-z]+:\/\/[^/@:]*:[^/@]+@/i.test(c.url) || /(^|\s)password\s*=\s*[^\s$]/.test(c.url);
}

/** The warnings for the files read (each with its parsed data). */
export function exposedPasswordWarnings(files: readonly { file: string; data: Obj }[]): string[] {
  const warnings: string[] = [];
  for (const { file, data } of files) {
    const parts = typeof data.parts === 'object' && data.parts !== null ? Object.values(data.parts as Obj) : [];
    const holds = literalPassword(data.connection) || parts.some((p) => typeof p === 'object' && p !== null && literalPassword((p as Obj).connection));
    if (!holds) continue;
    let mode: number;
    try {
      mode = statSync(file).mode & 0o777;
    } catch {
      continue;
    }
    if ((mode & 0o077) === 0) continue;
    warnings.push(
      `${file} holds a password and other users can read it (mode ${mode.toString(8).padStart(3, '0')}): run \`chmod 600 ${file}\`, or write \${env:PGPASSWORD} instead of the password (or use ~/.pgpass)`,
    );
  }
  return warnings;
}
