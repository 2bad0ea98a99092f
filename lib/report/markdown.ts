/** Markdown building blocks for the `--format markdown` reports (pull-request comments, $GITHUB_STEP_SUMMARY). Pure. */

/** A table cell: pipes escaped, line breaks as <br>, so that any text stays in its cell. */
export function cell(text: string | number | null | undefined): string {
  return String(text ?? '').replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

/** Inline code, with a fence longer than any run of backticks inside. */
export function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${longest ? ` ${text} ` : text}${fence}`;
}

/** A GitHub-flavoured table: a header row and rows of cells (already escaped with `cell`). */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}
