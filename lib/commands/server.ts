/** `pgv server start|stop|status|url`: the embedded PostgreSQL of the project. */
import { PgvError, usageError } from '../errors.js';
import { embeddedUrl, serverStatus, startServer, stopServer, type ServerStatus } from '../server/embedded.js';
import { loadProjectConfig } from '../targets/context.js';
import type { CommandResult, Globals } from './types.js';

/** Run `pgv server ACTION`. */
export async function serverCommand(g: Globals, args: { action?: string; dbname?: string }): Promise<CommandResult> {
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
  switch (args.action) {
    case 'start': {
      const before = serverStatus(server);
      const s = await startServer(server, { env: g.env });
      return result(s, before.running ? 'already running' : 'started', embeddedUrl(server));
    }
    case 'stop': {
      const before = serverStatus(server);
      const s = await stopServer(server, { env: g.env });
      return result(s, before.running ? 'stopped' : 'not running', embeddedUrl(server));
    }
    case 'status': {
      const s = serverStatus(server);
      // Exit 3 when it is not running, like pg_ctl status, so scripts can test it.
      return { ...result(s, s.running ? 'running' : s.initialized ? 'stopped' : 'not initialized', embeddedUrl(server)), exitCode: s.running ? 0 : 3 };
    }
    default: {
      // A part's name means its database (as every other command takes PART); else a database name.
      const part = args.dbname !== undefined ? config.parts.find((p) => p.name === args.dbname) : undefined;
      const url = embeddedUrl(server, part?.dbname ?? args.dbname ?? 'postgres');
      return { exitCode: 0, text: url, json: { url } };
    }
  }
}

function result(s: ServerStatus, state: string, url: string): CommandResult {
  const json = {
    state,
    running: s.running,
    initialized: s.initialized,
    ...(s.pid ? { pid: s.pid } : {}),
    data_dir: s.layout.dataDir,
    socket_dir: s.layout.socketDir,
    port: s.layout.port,
    tcp: s.tcp,
    log: s.layout.logFile,
    url,
  };
  const text = [
    `embedded PostgreSQL: ${state}${s.pid ? ` (pid ${s.pid})` : ''}`,
    `  data:   ${s.layout.dataDir}`,
    `  socket: ${s.layout.socketDir} (port ${s.layout.port}${s.tcp ? ', also 127.0.0.1' : ', no TCP'})`,
    `  log:    ${s.layout.logFile}`,
    `  url:    ${url}`,
  ].join('\n');
  return { exitCode: 0, text, json };
}
