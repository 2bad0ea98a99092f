/**
 * File names in a schema directory that look like scripts but are not spelled as pgv reads them
 * (`update_10.sql`, `Update10.sql`, `update10.SQL`, `upgrade10.sql`, `precondtion9.sql`,
 * `update10.sql.txt`): ignoring them would silently skip an update, so the recipe refuses them
 * with the name they probably meant. Files that are plainly not scripts (README, notes, a Python
 * package's `__init__.py`) are left alone. Pure.
 */
import { editDistance } from '../util/suggest.js';

/** The script words of a schema directory, and words people write for them. */
const words: ReadonlyArray<{ word: 'init' | 'update' | 'precondition'; also: readonly string[] }> = [
  { word: 'init', also: ['initial'] },
  { word: 'update', also: ['upgrade', 'updates', 'migration', 'migrate'] },
  { word: 'precondition', also: ['preconditions'] },
];

/** What a look-alike file is, and what it was probably meant to be. */
export interface LookAlike {
  readonly name: string;
  /** The file name pgv would read (`update10.sql`). */
  readonly meant: string;
  readonly problem: string;
}

/** Plainly not scripts: documentation and Python package markers. */
const notScript = /^(readme|license|changelog|notes?)(\..*)?$|\.(md|rst|markdown)$|^__init__\.py$|\.pyc$|^\./i;

/**
 * Is `name` a look-alike of a schema-directory script? `undefined` for the names pgv reads and for
 * files that are plainly something else.
 */
export function schemaLookAlike(name: string): LookAlike | undefined {
  if (/^(init\.sql|update\d+\.sql|precondition\d+\.(sql|js|mjs|py))$/.test(name) || notScript.test(name)) return undefined;
  const dot = name.indexOf('.');
  const stem = (dot < 0 ? name : name.slice(0, dot)).toLowerCase().replace(/[\s_-]+/g, '');
  // `update1.sql~`, `init.sql.bak`: an editor's or a person's copy is still taken for the script.
  const extensions = (dot < 0 ? '' : name.slice(dot + 1)).toLowerCase().split('.').map((e) => e.replace(/[^a-z0-9]/g, ''));
  const m = /^([a-z]+)(\d*)([a-z]*)$/.exec(stem);
  if (!m) return undefined;
  const [, letters, digits, tail] = m as unknown as [string, string, string, string];
  if (tail !== '' && digits === '') return undefined;
  const known = words.find((w) => w.word === letters || w.also.includes(letters) || editDistance(letters, w.word) <= (w.word.length > 6 ? 2 : 1));
  if (!known || (known.word === 'init' && digits !== '')) return undefined;
  // Only files that say they are SQL (or text, or a precondition's code) are taken for scripts.
  const language = extensions.includes('sql') || extensions.includes('txt') ? 'sql' : extensions.find((e) => e === 'js' || e === 'mjs' || e === 'py');
  if (!language) return undefined;
  if (known.word !== 'init' && digits === '') return { name, meant: `${known.word}N.sql`, problem: `looks like a script, but ${known.word}s are numbered (${known.word}1.sql, ${known.word}2.sql …) and this one would be ignored` };
  const n = digits === '' ? '' : String(Number(digits));
  if (tail !== '') return { name, meant: `${known.word}${n}.sql`, problem: `looks like ${known.word}${n}.sql but is not spelled so (${known.word}s are numbered, with nothing after the number), and would be ignored` };
  if (language === 'py' && known.word !== 'precondition') return { name, meant: `${known.word}${n}.sql`, problem: `Python scripts are not supported here; pgv runs ${known.word}${n}.sql (only preconditions may be Python)` };
  const ext = known.word === 'precondition' && language !== 'sql' ? language : 'sql';
  if (known.word !== 'precondition' && ext !== 'sql') return undefined;
  const meant = `${known.word}${n}.${ext}`;
  return { name, meant, problem: `looks like ${meant} but is not spelled so, and would be ignored; rename it to ${meant}` };
}
