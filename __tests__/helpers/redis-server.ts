import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { once } from 'node:events';
import { Redis } from 'ioredis';

/** A throwaway redis-server owned by one test file: started on a free port, stopped with `stop()`. */
export interface TestRedisServer {
  readonly port: number;
  readonly url: string;
  /** A new ioredis client for this server; closed by `stop()`. */
  client(): Redis;
  stop(): Promise<void>;
  /** Stops the server process (SIGTERM: a clean shutdown), keeping its port and data dir for `restart()`. */
  halt(): Promise<void>;
  /** Starts a halted server again on the same port and dir: with `appendOnly`, with the data it had. */
  restart(): Promise<void>;
}

export interface RedisServerOptions {
  /** AOF on (`appendonly yes`, `appendfsync always`): a halt and restart keeps every write. Default off. */
  appendOnly?: boolean;
  /** Allows DEBUG (e.g. DEBUG SLEEP, a server that stops answering) from local clients. Default off. */
  debugCommand?: boolean;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<TestRedisServer> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'wol-redis-'));
    const child = spawnRedis(port, dir, options);
    try {
      await waitUntilReady(child, port);
    } catch (error) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      if (attempt === 4) throw error;
      continue;
    }
    return wrap(child, port, dir, options);
  }
  throw new Error('unreachable');
}

function spawnRedis(port: number, dir: string, { appendOnly = false, debugCommand = false }: RedisServerOptions): ChildProcess {
  const args = appendOnly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  if (debugCommand) args.push('--enable-debug-command', 'local');
  return spawn(
    'redis-server',
    // --dir of its own: a replica's full sync writes an RDB file even with --save '': not in the work tree.
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...args, '--daemonize', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

/** SIGTERM to our own child (never a signal by port or name) and its exit. */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function wrap(first: ChildProcess, port: number, dir: string, options: RedisServerOptions): TestRedisServer {
  let child = first;
  const clients: Redis[] = [];
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    client() {
      const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => null });
      clients.push(client);
      return client;
    },
    async stop() {
      await Promise.all(clients.map(closeClient));
      await exited(child);
      rmSync(dir, { recursive: true, force: true });
    },
    halt: () => exited(child),
    async restart() {
      child = spawnRedis(port, dir, options);
      await waitUntilReady(child, port);
    },
  };
}

/**
 * Ends one client and waits for its "end". One that has ended (the test quit it, or it lost its server) or is
 * ending (a quit still closing its socket) is only waited for: disconnect() on it arms ioredis's 2 s "destroy the
 * stream" timer on a socket that may never close again, and that timer keeps the jest worker alive after the run.
 */
async function closeClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  const ended = once(client, 'end').then(() => undefined);
  if (client.status === 'ready' || client.status === 'connect') {
    await client.quit().catch(() => undefined);
  } else if (client.status !== 'close') {
    client.disconnect();
  }
  await ended;
}

/**
 * Until the server on `port` answers as `child` (INFO's process_id is its pid), like the cluster helper: a PING
 * alone would take another suite's server, which bound the port between our probe and our bind, for ours (ours
 * then exits with "Address already in use", and the test would write into, and later stop, someone else's data).
 */
export async function waitUntilReady(child: ChildProcess, port: number, timeoutMs = 10_000): Promise<void> {
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited early:\n${output}`);
    const pid = await serverPid(port);
    if (pid !== undefined && pid === child.pid) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server did not become ready on port ${port}${(await serverPid(port)) ? ' (another server answers there)' : ''}:\n${output}`);
}

/** The process_id of the server answering on `port`, by a raw RESP INFO: no client library left behind. */
function serverPid(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (pid: number | undefined) => {
      socket.destroy();
      resolve(pid);
    };
    socket.setTimeout(500, () => done(undefined));
    socket.on('error', () => done(undefined));
    socket.on('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk;
      // A bulk reply ($<length>) is complete after its length; an error (-LOADING …) after its line.
      const lineEnd = reply.indexOf('\r\n');
      if (lineEnd < 0) return;
      if (reply[0] !== '$') return done(undefined);
      if (Buffer.byteLength(reply) < lineEnd + 2 + Number(reply.slice(1, lineEnd))) return;
      const pid = /process_id:(\d+)/.exec(reply)?.[1];
      done(pid === undefined ? undefined : Number(pid));
    });
  });
}
