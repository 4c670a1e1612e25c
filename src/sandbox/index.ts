import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { configDir } from '../config/index.js';
import { CliError, ExitCode } from '../errors.js';
import { maskSecret } from '../output/mask.js';
import type { SandboxContext } from './context.js';
import { DeliveryEngine } from './engine.js';
import { createRequestListener } from './http.js';
import { ensureDataDir, loadOrCreateIdentity, lockDataDir, newIdentity } from './identity.js';
import { FileJournal, journalPath, loadJournal } from './journal.js';
import { createLog, type LogLevel, type SandboxLog } from './log.js';
import { checkApiKey, checkPort, checkRetention, checkTimeScale, DEFAULT_SANDBOX_HOST, DEFAULT_SANDBOX_PORT } from './options.js';
import { ListenRelay } from './relay.js';
import { sandboxRoutes } from './routes/index.js';
import { sessionSecret } from './routes/listen.js';
import { DEFAULT_RETENTION_EVENTS, Store } from './store.js';

export { DEFAULT_SANDBOX_HOST, DEFAULT_SANDBOX_PORT } from './options.js';
export type { LogLevel } from './log.js';

export interface SandboxOptions {
  /** Default 7370; 0 takes any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Folder for the journal and the generated key; default `<config dir>/sandbox`. Ignored when `ephemeral`. */
  dataDir?: string;
  /** Keep all state in memory and write nothing to disk, except the identity when `identityDir` is set. */
  ephemeral?: boolean;
  /**
   * With `ephemeral`: a folder whose identity file (API key, the key listen secrets derive
   * from, account id) is read or created, so that an in-memory sandbox such as `stamp7 dev`
   * gives the same listen secret on every start. No journal or lock is kept there.
   */
  identityDir?: string;
  /** Use this key instead of the generated one; it is not stored. */
  apiKey?: string;
  /** Run the retry clock this many times faster. Default 1. */
  timeScale?: number;
  /** Events kept; older ones are dropped with their deliveries. Default 10,000. */
  retentionEvents?: number;
  /** Serve the routes under /v1/_test. */
  testHooks?: boolean;
  /** Receives every log line (attempts, start and stop, errors) with its level. No line carries a full key or secret. */
  onLog?: (line: string, level: LogLevel) => void;
  /** Format and pass on a line per attempt (default true); false saves the formatting under load. */
  logAttempts?: boolean;
}

export interface RunningSandbox {
  url: string;
  apiKey: string;
  /** The data folder, or undefined when ephemeral. */
  dataDir: string | undefined;
  /** Stops accepting requests, lets attempts in flight finish briefly, flushes the journal. Safe to call twice. */
  close(): Promise<void>;
}

/** Starts the sandbox: loads its state, re-arms pending deliveries and listens for API and listen connections. */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const port = checkPort(options.port ?? DEFAULT_SANDBOX_PORT);
  const host = options.host ?? DEFAULT_SANDBOX_HOST;
  const timeScale = checkTimeScale(options.timeScale ?? 1);
  const retention = checkRetention(options.retentionEvents ?? DEFAULT_RETENTION_EVENTS);
  if (options.apiKey !== undefined) checkApiKey(options.apiKey);
  const write = options.onLog ?? (() => undefined);
  const log = createLog(write, { attempts: options.logAttempts !== false });

  const dataDir = options.ephemeral ? undefined : (options.dataDir ?? join(configDir(), 'sandbox'));
  let releaseLock: () => void = () => undefined;
  const store = new Store(retention);
  store.onPendingDropped = reportDroppedPending(log);
  let identity = newIdentity();
  if (dataDir === undefined && options.identityDir !== undefined) {
    ensureDataDir(options.identityDir);
    identity = loadOrCreateIdentity(options.identityDir);
  }
  if (dataDir !== undefined) {
    ensureDataDir(dataDir);
    releaseLock = lockDataDir(dataDir);
    try {
      identity = loadOrCreateIdentity(dataDir);
      await openJournal(store, dataDir, log);
    } catch (error) {
      releaseLock();
      throw error;
    }
  }

  const apiKey = options.apiKey ?? identity.api_key;
  const engine = new DeliveryEngine({ store, timeScale, log });
  const sandbox: SandboxContext = {
    store,
    engine,
    relay: undefined as unknown as ListenRelay,
    log,
    apiKey,
    accountId: identity.account_id,
    masterKey: identity.master_key,
    timeScale,
    testHooks: options.testHooks === true,
    version: packageVersion(),
    baseUrl: '',
  };
  sandbox.relay = new ListenRelay({ store, engine, log, secretOf: (session) => sessionSecret(sandbox, session) });

  const server = createServer({ keepAliveTimeout: 5_000 }, createRequestListener(sandboxRoutes(sandbox.testHooks), sandbox));
  server.on('upgrade', (request, socket, head) => {
    try {
      if (!sandbox.relay.handleUpgrade(request, socket, head)) {
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"error":{"code":"not_found","message":"no WebSocket route here"}}');
      }
    } catch (error) {
      log.error(`WebSocket upgrade of ${request.url?.split('?')[0]} failed: ${(error as Error).message}`);
      socket.destroy();
    }
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  try {
    await listen(server, port, host);
  } catch (error) {
    sandbox.relay.stop();
    await engine.stop();
    await store.journal.close();
    releaseLock();
    throw error;
  }
  const address = server.address() as AddressInfo;
  sandbox.baseUrl = `http://${urlHost(host)}:${address.port}`;

  // Pending deliveries, overdue ones included, go back on the clock in creation order.
  for (const delivery of store.deliveryList.ascending()) engine.schedule(delivery);
  log.info(`sandbox listening on ${sandbox.baseUrl} with API key ${maskSecret(apiKey)}; ${dataDir === undefined ? 'state in memory only' : `state in ${dataDir}`}`);

  let closing: Promise<void> | undefined;
  return {
    url: sandbox.baseUrl,
    apiKey,
    dataDir,
    close() {
      closing ??= shutDown(server, sandbox, releaseLock);
      return closing;
    },
  };
}

async function openJournal(store: Store, dataDir: string, log: SandboxLog): Promise<void> {
  const path = journalPath(dataDir);
  const loaded = loadJournal(path);
  const ignored = store.load(loaded.records);
  if (loaded.tornTail) log.info('journal: ignored a torn last line, left by an interrupted write');
  if (loaded.skippedLines - (loaded.tornTail ? 1 : 0) + ignored > 0) log.error(`journal: skipped ${loaded.skippedLines + ignored} unreadable records in ${path}`);
  store.journal = await FileJournal.open(path, loaded.records.length, {
    snapshot: () => store.snapshot(),
    onError: (error) => log.error(`journal: cannot write ${path}: ${error.message}`),
  });
}

// One line per second at most: a backlog can drop thousands of events in a burst.
function reportDroppedPending(log: SandboxLog): (eventId: string, pendingCount: number) => void {
  let events = 0;
  let deliveries = 0;
  let lastEventId = '';
  let timer: NodeJS.Timeout | undefined;
  return (eventId, pendingCount) => {
    events += 1;
    deliveries += pendingCount;
    lastEventId = eventId;
    timer ??= setTimeout(() => {
      log.error(`retention: dropped ${events} events with ${deliveries} pending deliveries (the last ${lastEventId}), because the sandbox held twice --retention events`);
      events = 0;
      deliveries = 0;
      timer = undefined;
    }, 1_000).unref();
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const hint = error.code === 'EADDRINUSE' ? 'pass another --port, or --port 0 for any free port' : 'check --host and --port';
      const code = error.code === 'EADDRINUSE' ? 'port_in_use' : 'listen_failed';
      reject(new CliError(`cannot listen on ${host}:${port}: ${error.code ?? error.message}`, { hint, exitCode: ExitCode.failure, code, cause: error }));
    });
    server.listen(port, host, () => resolve());
  });
}

async function shutDown(server: Server, sandbox: SandboxContext, releaseLock: () => void): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  sandbox.relay.stop();
  const grace = setTimeout(() => server.closeAllConnections(), 2_000);
  await closed;
  clearTimeout(grace);
  await sandbox.engine.stop();
  await sandbox.store.journal.close();
  releaseLock();
  sandbox.log.info(sandbox.store.journal instanceof FileJournal ? 'sandbox stopped; state saved' : 'sandbox stopped; its in-memory state is gone');
}

// A wildcard bind is reached through loopback; an IPv6 literal needs brackets in a URL.
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}
