/** `pgv server start|stop|status|url`: the embedded PostgreSQL of the project. */
import { PgvError, usageError } from '../errors.js';
import { embeddedUrl, removeServer, serverStatus, startServer, stopServer, type ServerStatus } from '../server/embedded.js';
import { describeBinaries, type ChosenBinaries } from '../server/programs.js';
import { loadProjectConfig } from '../targets/context.js';
import type { CommandResult, Globals } from './types.js';

/** Run `pgv server ACTION`. */
export async function serverCommand(g: Globals, args: { action?: string; dbname?: string; remove?: boolean }): Promise<CommandResult> {
  const actions = ['start', 'stop', 'status', 'url'];
  if (!args.action || !actions.includes(args.action)) {
    throw usageError(args.action ? `unknown server action "${args.action}"` : 'pgv server needs an action', `Use one of: ${actions.map((a) => `pgv server ${a}`).join(', ')}.`);
  }
  const config = await loadProjectConfig(g);
  const server = config.server;
  if (!server) {
    throw new PgvError('usage', `${config.file} does not use the embedded server`, {
      hint: 'Add `server: embedded` to the config to let pgv run a project-local PostgreSQL.',
    });
  }
  if (args.remove && args.action !== 'stop') throw usageError('--remove goes with `pgv server stop`', 'Run `pgv server stop --remove` to stop the server and delete its cluster.');
  switch (args.action) {
    case 'start': {
      const before = serverStatus(server);
      const s = await startServer(server, { env: g.env });
      return result(s, before.running ? 'already running' : 'started', embeddedUrl(server));
    }
    case 'stop': {
      const before = serverStatus(server);
      if (args.remove) {
        const s = await removeServer(server, { env: g.env });
        const removed = [before.layout.dir, ...(before.layout.relocated ? [before.layout.projectDir] : [])];
        return { exitCode: 0, text: `embedded PostgreSQL: ${before.running ? 'stopped and ' : ''}removed (${removed.join(', ')})`, json: { state: 'removed', was_running: before.running, removed, initialized: s.initialized } };
      }
      const s = await stopServer(server, { env: g.env });
      return result(s, before.running ? 'stopped' : 'not running', embeddedUrl(server));
    }
    case 'status': {
      const s = serverStatus(server);
      const { chooseServerBinaries, recordedBinaries } = await import('../server/programs.js');
      const { serverAccount } = await import('../server/account.js');
      // The running server's programs as recorded at start; otherwise those a start would use.
      const binaries = (s.running ? recordedBinaries(s.layout) : undefined) ?? (await chooseServerBinaries(s.layout, g.env, await serverAccount()).catch((e: Error) => e.message));
      // Exit 3 when it is not running, like pg_ctl status, so scripts can test it.
      return { ...result(s, s.running ? 'running' : s.initialized ? 'stopped' : 'not initialized', embeddedUrl(server), binaries), exitCode: s.running ? 0 : 3 };
    }
    default: {
      // A part's name means its database (as every other command takes PART); else a database name.
      const part = args.dbname !== undefined ? config.parts.find((p) => p.name === args.dbname) : undefined;
      const url = embeddedUrl(server, part?.dbname ?? args.dbname ?? 'postgres');
      return { exitCode: 0, text: url, json: { url } };
    }
  }
}

function result(s: ServerStatus, state: string, url: string, binaries?: ChosenBinaries | string): CommandResult {
  const json = {
    state,
    running: s.running,
    initialized: s.initialized,
    ...(s.pid ? { pid: s.pid } : {}),
    ...(binaries === undefined ? {} : { binaries: typeof binaries === 'string' ? { error: binaries } : { bin_dir: binaries.binDir, origin: binaries.origin, version: binaries.version, ...(binaries.package ? { package: binaries.package } : {}), ...(binaries.copiedFrom ? { copied_from: binaries.copiedFrom } : {}) } }),
    ...(s.layout.relocated ? { cluster_dir: s.layout.dir, pointer: `${s.layout.projectDir}/location` } : {}),
    data_dir: s.layout.dataDir,
    socket_dir: s.layout.socketDir,
    port: s.layout.port,
    tcp: s.tcp,
    log: s.layout.logFile,
    url,
  };
  const text = [
    `embedded PostgreSQL: ${state}${s.pid ? ` (pid ${s.pid})` : ''}`,
    ...(binaries === undefined ? [] : [`  binaries: ${typeof binaries === 'string' ? `none usable: ${binaries}` : describeBinaries(binaries)}`]),
    ...(s.layout.relocated ? [`  cluster:  ${s.layout.dir} (outside the project, which the server account cannot reach; pointer ${s.layout.projectDir}/location)`] : []),
    `  data:   ${s.layout.dataDir}`,
    `  socket: ${s.layout.socketDir} (port ${s.layout.port}${s.tcp ? ', also 127.0.0.1' : ', no TCP'})`,
    `  log:    ${s.layout.logFile}`,
    `  url:    ${url}`,
  ].join('\n');
  return { exitCode: 0, text, json };
}
