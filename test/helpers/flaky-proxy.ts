import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Random } from './random.js';

/** How often each fault strikes, per chunk of data that passes the proxy. */
export interface FaultRates {
  /** Reset both sides of the connection (RST, no FIN). */
  cut: number;
  /** Hold all data of the connection for `stallMs`, then go on. */
  stall: number;
  /** Hold all data of the connection for good, without closing it, until a peer gives up. */
  blackhole: number;
  /** Hold one chunk back for up to `maxDelayMs`. */
  delay: number;
}

export interface FlakyProxyOptions {
  /** The loopback server behind the proxy. */
  target: { host: string; port: number };
  random: Random;
  rates: FaultRates;
  /** Range of a stall, in ms. */
  stallMs?: [number, number];
  maxDelayMs?: number;
  /** Black holes allowed over the proxy's life; each one costs the peer a dead-socket timeout. */
  maxBlackholes?: number;
}

export interface FlakyProxyStats {
  connections: number;
  cuts: number;
  stalls: number;
  blackholes: number;
  delayedChunks: number;
  chunks: number;
}

export interface FlakyProxy {
  port: number;
  stats: FlakyProxyStats;
  /** Turns faults on or off; data passes unharmed while they are off. */
  setFaults(on: boolean): void;
  close(): Promise<void>;
}

/**
 * Starts a TCP proxy on 127.0.0.1, port 0, in front of a loopback server, that cuts, stalls
 * and delays connections at random. Order within a direction is kept, as TCP keeps it, so
 * every fault is one a real network can cause. All randomness comes from `options.random`.
 */
export async function startFlakyProxy(options: FlakyProxyOptions): Promise<FlakyProxy> {
  const stats: FlakyProxyStats = { connections: 0, cuts: 0, stalls: 0, blackholes: 0, delayedChunks: 0, chunks: 0 };
  const { random, rates } = options;
  const [stallMin, stallMax] = options.stallMs ?? [200, 1_500];
  const maxDelayMs = options.maxDelayMs ?? 30;
  const maxBlackholes = options.maxBlackholes ?? 0;
  const sockets = new Set<Socket>();
  let faults = false;

  const server = createServer((client) => {
    stats.connections++;
    const upstream = createConnection(options.target);
    sockets.add(client).add(upstream);
    let state: 'open' | 'blackhole' | 'closed' = 'open';
    let stalledUntilMs = 0;

    const closeBoth = (reset: boolean): void => {
      if (state === 'closed') return;
      state = 'closed';
      for (const socket of [client, upstream]) {
        if (reset) socket.resetAndDestroy();
        else socket.destroy();
        sockets.delete(socket);
      }
    };

    // One pump per direction: chunks go out one after another, each after its fault roll.
    const pipe = (from: Socket, to: Socket): void => {
      const queue: Buffer[] = [];
      let pumping = false;
      const pump = async (): Promise<void> => {
        pumping = true;
        while (queue.length > 0 && state === 'open') {
          stats.chunks++;
          if (faults) {
            if (random.chance(rates.cut)) {
              stats.cuts++;
              closeBoth(true);
              break;
            }
            if (stats.blackholes < maxBlackholes && random.chance(rates.blackhole)) {
              stats.blackholes++;
              state = 'blackhole';
              break;
            }
            if (random.chance(rates.stall)) {
              stats.stalls++;
              stalledUntilMs = Math.max(stalledUntilMs, Date.now() + random.int(stallMin, stallMax));
            }
            if (random.chance(rates.delay)) {
              stats.delayedChunks++;
              await sleep(random.int(1, maxDelayMs));
            }
          }
          const waitMs = stalledUntilMs - Date.now();
          if (waitMs > 0) await sleep(waitMs);
          if (state !== 'open') break;
          if (!to.write(queue.shift()!)) await new Promise((resolve) => to.once('drain', resolve));
        }
        pumping = false;
      };
      from.on('data', (chunk: Buffer) => {
        if (state !== 'open') return;
        queue.push(chunk);
        if (!pumping) void pump();
      });
      from.on('end', () => {
        // A FIN passes once the queued data has gone out; a black hole swallows it too.
        const finish = (): void => {
          if (state === 'open' && queue.length === 0 && !pumping) to.end();
          else if (state === 'open') setTimeout(finish, 5);
        };
        finish();
      });
    };

    pipe(client, upstream);
    pipe(upstream, client);
    for (const socket of [client, upstream]) {
      socket.on('error', () => closeBoth(false));
      socket.on('close', () => {
        // A black hole keeps the other side open, so a peer has to notice the silence itself.
        if (state !== 'blackhole') closeBoth(false);
        sockets.delete(socket);
      });
    }
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stats,
    setFaults(on) {
      faults = on;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
