/**
 * The lint rules: pure functions over one parsed statement and what the script did before it.
 * Ids are squawk's (so teams carry their ignore comments over), plus pgv's own for scripts that
 * run outside a transaction. Each rule says what the statement does, why it hurts (which lock,
 * what rewrite) and the safe rewrite.
 */
import { asNode, columnConstraints, lastName, nodeOf, relationName, type NodeBody } from './tree.js';

/** How serious a finding is: `error` fails `pgv lint` and stops `pgv apply`. */
export type LintLevel = 'error' | 'warning';

/** What a rule knows besides the statement. */
export interface RuleContext {
  /** The script runs in a transaction (no `-- pgv:no-transaction` line). */
  readonly transactional: boolean;
  /** Tables created earlier in the same script (`name` and `schema.name`): nobody else can hold locks on them yet. */
  readonly created: ReadonlySet<string>;
  /** The script's statements, and this one's index among them. */
  readonly count: number;
  readonly index: number;
  /** Some statement of this script is not idempotent (set by the linter before the rules run). */
  readonly notIdempotent: number;
}

/** One violation of a rule by a statement. */
export interface Violation {
  readonly message: string;
  readonly why: string;
  readonly fix: string;
}

/** A rule: its id, default level, and its check. */
export interface Rule {
  readonly id: string;
  readonly level: LintLevel;
  /** One line for `pgv lint --help` and the README. */
  readonly summary: string;
  check(type: string, body: NodeBody, ctx: RuleContext): Violation | undefined;
}

const isNew = (ctx: RuleContext, rel: NodeBody | undefined) => rel !== undefined && (ctx.created.has(relationName(rel)) || ctx.created.has(String(rel.relname)));

/** The commands of an ALTER TABLE on an existing table, with their subtype. */
function alterCommands(type: string, body: NodeBody, ctx: RuleContext): Array<{ subtype: string; cmd: NodeBody; table: string }> {
  if (type !== 'AlterTableStmt' || body.objtype !== 'OBJECT_TABLE' || isNew(ctx, body.relation)) return [];
  const table = relationName(body.relation);
  return ((body.cmds ?? []) as unknown[]).map((c) => asNode(c, 'AlterTableCmd')).filter((c): c is NodeBody => !!c).map((cmd) => ({ subtype: String(cmd.subtype), cmd, table }));
}

/** The first ALTER TABLE command matching `pick`, turned into a violation. */
function firstCommand(type: string, body: NodeBody, ctx: RuleContext, pick: (c: { subtype: string; cmd: NodeBody; table: string }) => Violation | undefined): Violation | undefined {
  for (const c of alterCommands(type, body, ctx)) {
    const v = pick(c);
    if (v) return v;
  }
  return undefined;
}

const addedColumn = (cmd: NodeBody) => asNode(cmd.def, 'ColumnDef');
const addedConstraint = (cmd: NodeBody) => asNode(cmd.def, 'Constraint');

/** Functions whose value is fixed per statement (stable or immutable): a default calling only these is no rewrite since PostgreSQL 11. */
const nonVolatile = new Set(['now', 'current_timestamp', 'transaction_timestamp', 'statement_timestamp', 'current_date', 'lower', 'upper', 'coalesce', 'to_jsonb', 'jsonb_build_object', 'json_build_object', 'array', 'make_date', 'make_timestamp', 'make_interval', 'length', 'concat']);

/** The first volatile function call in a default expression (a row-by-row value: the table is rewritten). */
function volatileCall(expr: unknown): string | undefined {
  let found: string | undefined;
  const walk = (n: unknown): void => {
    if (found || n === null || typeof n !== 'object') return;
    if (Array.isArray(n)) return n.forEach(walk);
    const call = asNode(n, 'FuncCall');
    if (call) {
      const name = lastName(call.funcname);
      if (!nonVolatile.has(name)) {
        found = name;
        return;
      }
    }
    for (const v of Object.values(n as Record<string, unknown>)) walk(v);
  };
  walk(expr);
  return found;
}

const serialTypes = new Set(['serial', 'bigserial', 'smallserial', 'serial4', 'serial8', 'serial2']);

const noTransactionFix = 'put the statement alone in a script whose first line is `-- pgv:no-transaction`';

/** Every rule pgv knows, in the order findings of one statement are listed. */
export const rules: readonly Rule[] = [
  {
    id: 'syntax-error',
    level: 'error',
    summary: 'the PostgreSQL grammar cannot read the script',
    check: () => undefined, // reported by the linter when the parse fails
  },
  {
    id: 'require-concurrent-index-creation',
    level: 'warning',
    summary: 'CREATE INDEX without CONCURRENTLY on an existing table',
    check(type, body, ctx) {
      if (type !== 'IndexStmt' || body.concurrent || isNew(ctx, body.relation)) return undefined;
      const table = relationName(body.relation);
      return {
        message: `CREATE INDEX on ${table} without CONCURRENTLY`,
        why: `takes a SHARE lock on ${table} for the whole build: every INSERT, UPDATE and DELETE waits until the index is built`,
        fix: `CREATE INDEX CONCURRENTLY IF NOT EXISTS … in a script of its own whose first line is \`-- pgv:no-transaction\``,
      };
    },
  },
  {
    id: 'require-concurrent-index-deletion',
    level: 'warning',
    summary: 'DROP INDEX without CONCURRENTLY',
    check(type, body) {
      if (type !== 'DropStmt' || body.removeType !== 'OBJECT_INDEX' || body.concurrent) return undefined;
      return {
        message: 'DROP INDEX without CONCURRENTLY',
        why: "takes an ACCESS EXCLUSIVE lock on the index's table: every query on it waits, reads included",
        fix: 'DROP INDEX CONCURRENTLY IF EXISTS … in a script of its own whose first line is `-- pgv:no-transaction`',
      };
    },
  },
  {
    id: 'ban-concurrent-index-creation-in-transaction',
    level: 'error',
    summary: 'CREATE/DROP INDEX CONCURRENTLY in a script that runs in a transaction',
    check(type, body, ctx) {
      const concurrent = (type === 'IndexStmt' || (type === 'DropStmt' && body.removeType === 'OBJECT_INDEX')) && body.concurrent;
      if (!concurrent || !ctx.transactional) return undefined;
      return {
        message: `${type === 'IndexStmt' ? 'CREATE' : 'DROP'} INDEX CONCURRENTLY in a script that pgv runs in a transaction`,
        why: 'PostgreSQL refuses CONCURRENTLY inside a transaction block: the script fails at this statement',
        fix: noTransactionFix,
      };
    },
  },
  {
    id: 'adding-foreign-key-constraint',
    level: 'warning',
    summary: 'a foreign key added without NOT VALID',
    check: (type, body, ctx) =>
      firstCommand(type, body, ctx, ({ subtype, cmd, table }) => {
        const fks = subtype === 'AT_AddConstraint' ? [addedConstraint(cmd)] : subtype === 'AT_AddColumn' ? columnConstraints(addedColumn(cmd)) : [];
        const fk = fks.find((c) => c?.contype === 'CONSTR_FOREIGN' && !c.skip_validation);
        if (!fk) return undefined;
        const other = relationName(fk.pktable);
        return {
          message: `foreign key on ${table} referencing ${other} added and validated at once`,
          why: `takes SHARE ROW EXCLUSIVE locks on ${table} and ${other} while every row of ${table} is checked: writes to both tables wait`,
          fix: `ALTER TABLE ${table} ADD CONSTRAINT … FOREIGN KEY … NOT VALID; then, in a later script, ALTER TABLE ${table} VALIDATE CONSTRAINT … (it only takes SHARE UPDATE EXCLUSIVE)`,
        };
      }),
  },
  {
    id: 'constraint-missing-not-valid',
    level: 'warning',
    summary: 'a CHECK or foreign key constraint added without NOT VALID',
    check: (type, body, ctx) =>
      firstCommand(type, body, ctx, ({ subtype, cmd, table }) => {
        const c = subtype === 'AT_AddConstraint' ? addedConstraint(cmd) : undefined;
        if (!c || (c.contype !== 'CONSTR_CHECK' && c.contype !== 'CONSTR_FOREIGN') || c.skip_validation) return undefined;
        return {
          message: `${c.contype === 'CONSTR_CHECK' ? 'CHECK' : 'FOREIGN KEY'} constraint on ${table} without NOT VALID`,
          why: `validates every row of ${table} while holding ${c.contype === 'CONSTR_CHECK' ? 'an ACCESS EXCLUSIVE' : 'a SHARE ROW EXCLUSIVE'} lock`,
          fix: `ADD CONSTRAINT … NOT VALID, then ALTER TABLE ${table} VALIDATE CONSTRAINT … in a later script (SHARE UPDATE EXCLUSIVE: reads and writes go on)`,
        };
      }),
  },
  {
    id: 'adding-not-nullable-field',
    level: 'warning',
    summary: 'SET NOT NULL on an existing column',
    check: (type, body, ctx) =>
      firstCommand(type, body, ctx, ({ subtype, cmd, table }) =>
        subtype === 'AT_SetNotNull'
          ? {
              message: `ALTER COLUMN ${cmd.name} SET NOT NULL on ${table}`,
              why: `scans all of ${table} under an ACCESS EXCLUSIVE lock: every query on it waits, reads included`,
              fix: `ADD CONSTRAINT ${cmd.name}_not_null CHECK (${cmd.name} IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT it in a later script; then SET NOT NULL (PostgreSQL 12+ uses the valid constraint and skips the scan) and drop the CHECK`,
            }
          : undefined,
      ),
  },
  {
    id: 'adding-required-field',
    level: 'warning',
    summary: 'ADD COLUMN … NOT NULL without a default',
    check: (type, body, ctx) =>
      firstCommand(type, body, ctx, ({ subtype, cmd, table }) => {
        const col = subtype === 'AT_AddColumn' ? addedColumn(cmd) : undefined;
        const cs = columnConstraints(col);
        const required = cs.some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY') && !cs.some((c) => c.contype === 'CONSTR_DEFAULT' || c.contype === 'CONSTR_GENERATED' || c.contype === 'CONSTR_IDENTITY');
        if (!col || !required || serialTypes.has(lastName(col.typeName?.names))) return undefined;
        return {
          message: `ADD COLUMN ${col.colname} NOT NULL without a default on ${table}`,
          why: `fails on a table that has rows (existing rows would be NULL), and the old application's INSERTs fail once it exists`,
          fix: `ADD COLUMN ${col.colname} … NOT NULL DEFAULT <constant> (no rewrite since PostgreSQL 11), or add it nullable, backfill, then SET NOT NULL through a validated CHECK`,
        };
      }),
  },
  {
    id: 'adding-field-with-default',
    level: 'warning',
    summary: 'ADD COLUMN with a volatile default or a stored generated column',
    check: (type, body, ctx) =>
      firstCommand(type, body, ctx, ({ subtype, cmd, table }) => {
        const col = subtype === 'AT_AddColumn' ? addedColumn(cmd) : undefined;
        const cs = columnConstraints(col);
        const dflt = cs.find((c) => c.contype === 'CONSTR_DEFAULT');
        const generated = cs.find((c) => c.contype === 'CONSTR_GENERATED');
        const fn = dflt ? volatileCall(dflt.raw_expr) : undefined;
        if (!col || (!fn && !generated && !serialTypes.has(lastName(col.typeName?.names)))) return undefined;
        const what = fn ? `a volatile default (${fn}())` : generated ? 'a stored generated value' : 'a serial default (nextval())';
        return {
          message: `ADD COLUMN ${col.colname} with ${what} on ${table}`,
          why: `rewrites all of ${table} under an ACCESS EXCLUSIVE lock: a constant default is free since PostgreSQL 11, a value computed per row is not`,
          fix: `ADD COLUMN ${col.colname} without the default; ALTER COLUMN ${col.colname} SET DEFAULT … (new rows only); backfill existing rows in batches`,
        };
      }),
  },
  {
    id: 'changing-column-type',
    level: 'warning',
    summary: 'ALTER COLUMN … TYPE',
    check: (type, body, ctx) =>
      firstCommand(type, body, ctx, ({ subtype, cmd, table }) =>
        subtype === 'AT_AlterColumnType'
          ? {
              message: `ALTER COLUMN ${cmd.name} TYPE on ${table}`,
              why: `rewrites ${table} and rebuilds its indexes under an ACCESS EXCLUSIVE lock (unless the old type converts without a rewrite, e.g. varchar(n) to text): every query waits`,
              fix: `add a new column of the new type, backfill it in batches (a trigger keeps it current), then switch the application and drop the old column`,
            }
          : undefined,
      ),
  },
  {
    id: 'disallowed-unique-constraint',
    level: 'warning',
    summary: 'a UNIQUE constraint built by ALTER TABLE',
    check: (type, body, ctx) =>
      firstCommand(type, body, ctx, ({ subtype, cmd, table }) => {
        const c = subtype === 'AT_AddConstraint' ? addedConstraint(cmd) : undefined;
        const viaColumn = subtype === 'AT_AddColumn' && columnConstraints(addedColumn(cmd)).some((k) => k.contype === 'CONSTR_UNIQUE');
        if (!viaColumn && !(c?.contype === 'CONSTR_UNIQUE' && !c.indexname)) return undefined;
        return {
          message: `UNIQUE constraint on ${table} built by ALTER TABLE`,
          why: `builds its index under an ACCESS EXCLUSIVE lock on ${table}: every query waits, reads included`,
          fix: `CREATE UNIQUE INDEX CONCURRENTLY … in a \`-- pgv:no-transaction\` script, then ALTER TABLE ${table} ADD CONSTRAINT … UNIQUE USING INDEX …`,
        };
      }),
  },
  {
    id: 'adding-serial-primary-key-field',
    level: 'warning',
    summary: 'a primary key added by ALTER TABLE (or a serial primary key column)',
    check: (type, body, ctx) =>
      firstCommand(type, body, ctx, ({ subtype, cmd, table }) => {
        const c = subtype === 'AT_AddConstraint' ? addedConstraint(cmd) : undefined;
        const viaColumn = subtype === 'AT_AddColumn' && columnConstraints(addedColumn(cmd)).some((k) => k.contype === 'CONSTR_PRIMARY');
        if (!viaColumn && !(c?.contype === 'CONSTR_PRIMARY' && !c.indexname)) return undefined;
        return {
          message: `PRIMARY KEY on ${table} built by ALTER TABLE`,
          why: `builds the index (and, for a new serial column, rewrites the table) under an ACCESS EXCLUSIVE lock on ${table}`,
          fix: `CREATE UNIQUE INDEX CONCURRENTLY … in a \`-- pgv:no-transaction\` script, then ALTER TABLE ${table} ADD CONSTRAINT … PRIMARY KEY USING INDEX …`,
        };
      }),
  },
  {
    id: 'ban-drop-column',
    level: 'warning',
    summary: 'DROP COLUMN',
    check: (type, body, ctx) =>
      firstCommand(type, body, ctx, ({ subtype, cmd, table }) =>
        subtype === 'AT_DropColumn'
          ? {
              message: `DROP COLUMN ${cmd.name} on ${table}`,
              why: 'loses the data for good, and the running application fails on every query that names the column',
              fix: 'first release an application that no longer uses the column; drop it in a later release',
            }
          : undefined,
      ),
  },
  {
    id: 'ban-drop-table',
    level: 'warning',
    summary: 'DROP TABLE',
    check(type, body) {
      if (type !== 'DropStmt' || body.removeType !== 'OBJECT_TABLE') return undefined;
      return {
        message: 'DROP TABLE',
        why: 'loses the data for good, and the running application fails on every query that names the table',
        fix: 'first release an application that no longer uses the table; drop it in a later release (or rename it away and drop it after a while)',
      };
    },
  },
  {
    id: 'ban-drop-database',
    level: 'error',
    summary: 'DROP DATABASE',
    check: (type) =>
      type === 'DropdbStmt'
        ? { message: 'DROP DATABASE in a migration', why: 'destroys a whole database', fix: 'drop databases by hand, never from a migration' }
        : undefined,
  },
  {
    id: 'renaming-column',
    level: 'warning',
    summary: 'RENAME COLUMN',
    check(type, body) {
      if (type !== 'RenameStmt' || body.renameType !== 'OBJECT_COLUMN') return undefined;
      return {
        message: `RENAME COLUMN ${body.subname} TO ${body.newname} on ${relationName(body.relation)}`,
        why: 'the running application fails on every query that names the old column',
        fix: 'add the new column, write both, backfill, switch readers, then drop the old one in a later release',
      };
    },
  },
  {
    id: 'renaming-table',
    level: 'warning',
    summary: 'RENAME TO on a table',
    check(type, body) {
      if (type !== 'RenameStmt' || body.renameType !== 'OBJECT_TABLE') return undefined;
      return {
        message: `RENAME ${relationName(body.relation)} TO ${body.newname}`,
        why: 'the running application fails on every query that names the old table',
        fix: 'rename, and leave a view with the old name (CREATE VIEW old AS SELECT * FROM new) until every client has moved',
      };
    },
  },
  {
    id: 'prefer-robust-stmts',
    level: 'warning',
    summary: 'a statement in a no-transaction script that fails when run twice',
    check(type, body, ctx) {
      if (ctx.transactional || !notRobust(type, body)) return undefined;
      return {
        message: `${describe(type, body)} without IF [NOT] EXISTS in a script that runs outside a transaction`,
        why: 'when the script fails half-way, the statements before stay applied; running it again fails on them',
        fix: 'write CREATE … IF NOT EXISTS, DROP … IF EXISTS, ADD COLUMN IF NOT EXISTS, so the script can simply run again',
      };
    },
  },
  {
    id: 'transaction-nesting',
    level: 'error',
    summary: 'BEGIN, COMMIT or ROLLBACK inside a script that pgv runs in a transaction',
    check(type, body, ctx) {
      if (type !== 'TransactionStmt' || !ctx.transactional) return undefined;
      const kind = String(body.kind).replace(/^TRANS_STMT_/, '');
      if (!['BEGIN', 'START', 'COMMIT', 'ROLLBACK'].includes(kind)) return undefined;
      return {
        message: `${kind} inside a script that pgv runs in a transaction`,
        why: 'pgv commits each script together with its ledger row; a COMMIT in the middle would record half a script, a BEGIN only warns',
        fix: 'keep one BEGIN at the very start and one COMMIT at the very end (pgv replaces them by its own), or split the script',
      };
    },
  },
  {
    id: 'pgv-one-statement-without-transaction',
    level: 'warning',
    summary: 'a `-- pgv:no-transaction` script with more than one statement',
    check(_type, _body, ctx) {
      if (ctx.transactional || ctx.count < 2 || ctx.index !== 1) return undefined;
      return {
        message: `${ctx.count} statements in a script that runs outside a transaction`,
        why: 'when a later statement fails, the earlier ones stay applied and pgv cannot tell how far it got (the script is recorded as interrupted)',
        fix: 'one statement per `-- pgv:no-transaction` script; everything else in ordinary scripts',
      };
    },
  },
  {
    id: 'pgv-idempotent-without-transaction',
    level: 'warning',
    summary: 'a `-- pgv:no-transaction` script that cannot simply run again',
    check(type, body, ctx) {
      if (ctx.transactional || ctx.index !== ctx.notIdempotent) return undefined;
      const index = type === 'IndexStmt' && body.concurrent;
      return {
        message: 'this script runs outside a transaction and cannot simply run again after a failure',
        why: index
          ? 'a failed CREATE INDEX CONCURRENTLY leaves an INVALID index behind; the next run fails on its name (or IF NOT EXISTS keeps the invalid index)'
          : 'a failed run leaves part of its work applied, and the next run fails on it',
        fix: index ? 'start the script with DROP INDEX CONCURRENTLY IF EXISTS … in a script of its own, then CREATE INDEX CONCURRENTLY …' : 'guard every statement with IF [NOT] EXISTS',
      };
    },
  },
];

/** Is this statement one that fails when it has already run (no IF [NOT] EXISTS)? */
export function notRobust(type: string, body: NodeBody): boolean {
  switch (type) {
    case 'CreateStmt':
    case 'IndexStmt':
    case 'CreateSeqStmt':
    case 'CreateSchemaStmt':
    case 'CreateExtensionStmt':
      return !body.if_not_exists;
    case 'DropStmt':
      return !body.missing_ok;
    case 'AlterTableStmt':
      return ((body.cmds ?? []) as unknown[]).some((c) => {
        const cmd = asNode(c, 'AlterTableCmd');
        return cmd && ['AT_AddColumn', 'AT_DropColumn', 'AT_DropConstraint', 'AT_AddConstraint'].includes(cmd.subtype) && !cmd.missing_ok;
      });
    default:
      return false;
  }
}

/** A short name of a statement for messages (`CREATE INDEX`, `ALTER TABLE`). */
function describe(type: string, body: NodeBody): string {
  if (type === 'IndexStmt') return body.concurrent ? 'CREATE INDEX CONCURRENTLY' : 'CREATE INDEX';
  if (type === 'DropStmt') return `DROP ${String(body.removeType).replace(/^OBJECT_/, '')}`;
  return type.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
}

/** The tables a statement creates (for the created-in-this-script exemption). */
export function createdTables(node: unknown): string[] {
  const [type, body] = nodeOf(node);
  if (type === 'CreateStmt' || type === 'CreateTableAsStmt') {
    const rel = type === 'CreateStmt' ? body.relation : (body.into?.rel ?? asNode(body.into, 'IntoClause')?.rel);
    return rel ? [relationName(rel), String(rel.relname)] : [];
  }
  return [];
}
