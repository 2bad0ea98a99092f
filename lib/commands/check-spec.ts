/** `pgv check`: its options, help and adapter (see spec.ts). */
import { usageError } from '../errors.js';
import { listOf, reportFormat, stringOpt, type CommandSpec, type OptionSpecs } from './spec.js';

/** The comparison options `pgv check` and `pgv test-and-upgrade` share. */
export const comparisonOptions: OptionSpecs = {
  ignore: { type: 'string', multiple: true },
  include: { type: 'string', multiple: true },
  'exclude-schema': { type: 'string', multiple: true },
  'exclude-column': { type: 'string', multiple: true },
  'column-order': { type: 'boolean' },
  'ignore-generated-names': { type: 'boolean' },
};

/** Help lines of the shared comparison options. */
export const comparisonHelp: readonly string[] = [
  '    --ignore KIND,...         kinds not compared: schemas, tables, columns, constraints, views,',
  '                              materialized_views, sequences, indexes, triggers, functions, rules,',
  '                              types, extensions, policies',
  '    --include KIND,...        opt-in kinds also compared: privileges (owners, grants), comments',
  '    --exclude-schema S,...    schemas not compared',
  '    --exclude-column PATTERN  columns not compared: a LIKE pattern on the column name (usr_%, as',
  '                              pum\'s -P), or on table.column or schema.table.column when it has a',
  '                              dot (%.updated_at); repeatable',
  '    --column-order            a column\'s position in its table counts as a difference',
  '    --ignore-generated-names  match constraints and indexes by definition, not by name',
];

/** The spec of `pgv check`. */
export const checkSpec: CommandSpec = {
  name: 'check',
  summary: 'compare two databases by object kind',
  usage: 'pgv check PART | --db1 CONN --db2 CONN [--ignore KIND,...] [--include KIND,...]\n' +
    '                 [--exclude-schema S,...] [--exclude-column PATTERN] [--column-order]\n' +
    '                 [--ignore-generated-names] [--format text|markdown]',
  options: { db1: { type: 'string' }, db2: { type: 'string' }, format: { type: 'string' }, ...comparisonOptions },
  help: [
    '  PART                        the part\'s database against a fresh build of its scripts (a',
    '                              throwaway database, dropped afterwards); the part\'s ignore,',
    '                              exclude_schemas and exclude_columns options apply',
    '    --db1 CONN, --db2 CONN    two databases: a postgres:// URL, a keyword string, or a database',
    '                              name (on the config\'s server when there is a config)',
    ...comparisonHelp,
    '    --format F                text (default) or markdown: tables by kind, for a pull request',
  ],
  examples: [
    { args: 'check app', does: 'part app\'s database against a fresh build of its scripts' },
    { args: 'check app --format markdown', does: 'the same as Markdown tables' },
    { args: 'check app --ignore views,triggers --exclude-column usr_%', does: 'the same, skipping some' },
  ],
  exitCodes: { 0: 'identical', 1: 'different', 2: 'bad usage (unknown kind or part)', 3: 'failure (for example a database that does not exist)' },
  load: () => import('./check.js'),
  run: async (g, v, pos) => {
    if (pos.length > 1) throw usageError(`pgv check takes one PART, not ${pos.length}: ${pos.join(' ')}`, 'Check one part at a time.');
    return (await import('./check.js')).checkCommand(g, {
      ...(pos[0] !== undefined ? { part: pos[0] } : {}),
      ...stringOpt(v, 'db1', 'db1'),
      ...stringOpt(v, 'db2', 'db2'),
      ignore: listOf(v, 'ignore'),
      include: listOf(v, 'include'),
      excludeSchemas: listOf(v, 'exclude-schema'),
      excludeColumns: listOf(v, 'exclude-column'),
      columnOrder: v['column-order'] === true,
      format: reportFormat(v),
      ignoreGeneratedNames: v['ignore-generated-names'] === true,
    });
  },
};
