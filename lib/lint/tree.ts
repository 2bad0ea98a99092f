/** Small readers of libpg-query's parse tree (plain JSON: `{ NodeType: { field: … } }`). Pure. */

/** A node's body, loosely typed: the parse tree is JSON and rules read a few fields of it. */
export type NodeBody = Readonly<Record<string, any>>;

/** The type and body of a node (`{ IndexStmt: {...} }` → `['IndexStmt', {...}]`). */
export function nodeOf(node: unknown): [string, NodeBody] {
  const entries = node && typeof node === 'object' ? Object.entries(node as Record<string, unknown>) : [];
  const [type, body] = entries[0] ?? ['', {}];
  return [type, (body ?? {}) as NodeBody];
}

/** The body of `node` when it is of `type`, else undefined. */
export function asNode(node: unknown, type: string): NodeBody | undefined {
  const [t, body] = nodeOf(node);
  return t === type ? body : undefined;
}

/** A RangeVar as `schema.name` (or `name`), lower-cased as the parser already folds it. */
export function relationName(rangeVar: NodeBody | undefined): string {
  if (!rangeVar) return '?';
  return rangeVar.schemaname ? `${rangeVar.schemaname}.${rangeVar.relname}` : String(rangeVar.relname);
}

/** The last name of a qualified name list (`[{String:{sval:'pg_catalog'}},{String:{sval:'int4'}}]` → `int4`). */
export function lastName(names: readonly unknown[] | undefined): string {
  const last = names?.[names.length - 1];
  return String(asNode(last, 'String')?.sval ?? '');
}

/** The constraints of a column definition. */
export function columnConstraints(columnDef: NodeBody | undefined): NodeBody[] {
  return ((columnDef?.constraints ?? []) as unknown[]).map((c) => asNode(c, 'Constraint')).filter((c): c is NodeBody => c !== undefined);
}
