import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
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
      // A client that has already ended (the test quit it, or it lost its server) is left alone: disconnect() on
      // it arms ioredis's 2 s "destroy the stream" timer on a socket that never closes again, and that timer
      // keeps the jest worker alive after the run.
      const open = clients.filter((c) => c.status !== 'end');
      await Promise.all(open.map((c) => c.quit().catch(() => (c.status === 'end' ? undefined : c.disconnect()))));
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

async function waitUntilReady(child: ChildProcess, port: number): Promise<void> {
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited early:\n${output}`);
    if (await answersPing(port)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server did not become ready on port ${port}:\n${output}`);
}

/** A raw RESP PING: no client library, so nothing is left behind when the server is not up yet. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk;
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}
