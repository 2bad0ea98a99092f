#!/usr/bin/env node
/**
 * The command line: argv → one command → report → exit code. The only module that prints or
 * exits. Each command's options, help and adapter live in `commands/<name>-spec.ts`, which load
 * nothing heavy: the command's engine (and pg) load only when it runs.
 */
import { setFlagsFromString } from 'node:v8';
import { parseArgs } from 'node:util';
import { ExitCode, PgvError, isPgvError, usageError } from './errors.js';
import { renderError } from './report/error-text.js';
import { closest } from './util/suggest.js';
import { commandAlias, pumCheckRewrite } from './commands/migrants.js';
import { optionError, type OptionSpecs, type OptionValues } from './commands/spec.js';
import { commandHelp, commandNames, loadCommandSpec, mainHelp } from './commands/registry.js';
import type { Globals } from './commands/types.js';

/** Options every command takes. */
export const globalOptions: OptionSpecs = {
  config: { type: 'string', short: 'c' },
  json: { type: 'boolean' },
  'json-lines': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  verbose: { type: 'boolean', short: 'v' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
};

/** Help lines of the global options. */
const globalHelp = [
  '-c, --config FILE   the config file (default: pgv.config.yaml, .pgvrc*, pgv.config.json or',
  '                    "pgv" in package.json, searched from the current directory up)',
  '    --json          print one JSON document on stdout; progress goes to stderr',
  '    --json-lines    print the run\'s events on stdout as NDJSON, one object per line with a "type";',
  '                    the last line ({"type":"summary"}) holds what --json prints',
  '-q, --quiet         no progress output',
  '-v, --verbose       plain progress lines instead of a live task list; more detail on errors',
  '    --no-color      no colors (also: NO_COLOR=1)',
  '-h, --help          help for pgv or for a command',
  '-V, --version       print the version',
];

/** Find the command word: the first argument that is neither an option nor an option's value. */
function splitCommand(argv: string[]): { name?: string; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-c' || a === '--config') i++;
    else if (!a.startsWith('-')) return { name: a, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { rest: argv };
}

/** An unknown command word: another tool's word for a pgv command, a typo, or nothing known. */
function unknownCommand(name: string, rest: string[]): PgvError {
  const alias = commandAlias(name, rest);
  if (alias) return usageError(`unknown command "${name}"`, `Did you mean \`${alias.suggestion}\`? (${alias.from} is pgv's \`${alias.pgv}\`.)`);
  const guess = closest(name, [...commandNames]);
  return usageError(`unknown command "${name}"`, `${guess ? `Did you mean \`pgv ${guess}\`? ` : ''}Commands: ${commandNames.join(', ')}.`);
}

/** Run the CLI on `argv`; returns the exit code. Exported for tests that run in-process. */
export async function main(argv: string[], io = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }): Promise<number> {
  const out = (text: string) => io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  const err = (lines: readonly string[]) => lines.length && io.stderr.write(lines.join('\n') + '\n');
  let json = argv.includes('--json') || argv.includes('--json-lines');
  // --json-lines: every document on one line, typed, after the events the command wrote.
  let lines = argv.includes('--json-lines');
  const doc = (type: string, value: unknown) => (lines ? JSON.stringify({ type, ...(value as object) }) : JSON.stringify(value, null, 2));
  // Printed once, whatever the outcome: the config's warnings (see Config.warnings).
  const warnings: string[] = [];
  const warn = () => err(warnings.map((w) => `pgv: warning: ${w}`));
  // A SIGINT or SIGTERM came while the command ran: it ended saying what it left; exit 130.
  let interrupted = false;
  try {
    const { name, rest } = splitCommand(argv);
    const spec = name === undefined || name === 'help' ? undefined : await loadCommandSpec(name);
    if (name !== undefined && name !== 'help' && !spec) throw unknownCommand(name, rest);
    const pum = name === 'check' || name === 'test-and-upgrade' ? pumCheckRewrite(rest, name) : undefined;
    if (pum) throw usageError(`pgv ${name}: ${pum.found.join(', ')} ${pum.found.length === 1 ? 'is' : 'are'} pum's spelling`, `Run \`${pum.suggestion}\`.`);
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: { ...globalOptions, ...(spec?.options ?? {}) }, allowPositionals: true, strict: true });
    } catch (e) {
      throw optionError(e, spec, globalOptions);
    }
    const values = parsed.values as OptionValues;
    lines = values['json-lines'] === true;
    json = values.json === true || lines;
    if (values.version === true) {
      const { pgvVersion } = await import('./version.js');
      out(json ? JSON.stringify({ version: pgvVersion }) : `pgv ${pgvVersion}`);
      return ExitCode.ok;
    }
    const topic = name === 'help' && parsed.positionals[0] ? await loadCommandSpec(parsed.positionals[0]) : spec;
    if (name === 'help' || !spec || values.help) {
      out(topic ? commandHelp(topic, globalHelp) : await mainHelp(globalHelp));
      return name === 'help' || values.help ? ExitCode.ok : ExitCode.usage;
    }
    const noColor = values['no-color'] === true || (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '');
    if (noColor) process.env.NO_COLOR = '1'; // read by listr2's color library when it loads
    const globals: Globals = {
      ...(typeof values.config === 'string' ? { config: values.config } : {}),
      json: values.json === true,
      jsonLines: lines,
      quiet: values.quiet === true,
      verbose: values.verbose === true,
      color: !noColor,
      cwd: io.cwd,
      env: { ...io.env },
      interactive: Boolean((io.stderr as NodeJS.WriteStream).isTTY),
      progressStream: io.stderr as NodeJS.WriteStream,
      stdout: io.stdout,
      warnings,
      ...(values.quiet === true ? {} : { notice: (message: string) => io.stderr.write(`pgv: ${message}\n`) }),
    };
    // The command's code (and the config's YAML reader) loads before the cancellation scope
    // exists: see CommandSpec.load.
    const [{ runInterruptible }] = await Promise.all([
      import('./commands/interruptible.js'),
      spec.load?.(),
      import('./config/load.js').then((m) => m.preloadConfigReader(globals.config, io.cwd)),
    ]);
    const run = await runInterruptible(
      () => spec.run(globals, values, parsed.positionals),
      (running) => {
        io.stderr.write(`pgv: interrupted again: exiting now; ${running.length ? `may still be running on the server: ${running.join(', ')}` : 'nothing was running on the server'}\n`);
        process.exit(ExitCode.interrupted);
      },
    );
    interrupted = run.aborted;
    if (run.error !== undefined) throw run.error;
    const result = run.value!;
    if (json && result.json !== undefined) out(doc('summary', result.json));
    else if (!json && result.text) out(result.text);
    err(result.errors ?? []);
    warn();
    return interrupted ? ExitCode.interrupted : result.exitCode;
  } catch (e) {
    warn();
    if (json) out(doc('error', { error: isPgvError(e) ? e.toJSON() : { code: 'internal', message: (e as Error)?.message ?? String(e) } }));
    err(renderError(e, argv.includes('-v') || argv.includes('--verbose')));
    return interrupted ? ExitCode.interrupted : isPgvError(e) ? e.exitCode : ExitCode.internal;
  }
}

// Run when executed as the bin (not when imported by tests).
if (/[\\/](cli\.js|pgv(\.js)?)$/.test(process.argv[1] ?? '')) {
  // The lint parser is WebAssembly: V8's baseline compiler alone parses 10,000 small statements in
  // 80 ms instead of 120–220 ms and keeps ~40 MB less code. A process-wide flag, so the CLI sets
  // it (the whole process is pgv's), never the library.
  setFlagsFromString('--liftoff-only');
  main(process.argv.slice(2)).then(
    // Exit once stdout is flushed: to a pipe, a large report (lint of 1000 scripts, plan --json)
    // is written asynchronously and process.exit() would cut it at 64 KiB.
    (code) => process.stdout.write('', () => process.exit(code)),
    (e) => {
      process.stderr.write(renderError(e).join('\n') + '\n');
      process.exit(ExitCode.internal);
    },
  );
}
