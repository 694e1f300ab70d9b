import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, Redis, type ClusterOptions } from 'ioredis';
import { freePort } from './redis-server.js';

/** One redis-server process of a test cluster. */
export interface ClusterNodeProcess {
  readonly port: number;
  /** `127.0.0.1:port`, as CLUSTER NODES and ioredis name it. */
  readonly address: string;
  /** SIGKILL: the process dies at once and the OS closes its connections (a crashed process). */
  kill(): Promise<void>;
  /** SIGSTOP: connections stay open but nothing answers (a hung machine, a network partition); `resume()` ends it. */
  pause(): void;
  resume(): void;
  /** Running, not killed (a paused node is alive). */
  readonly alive: boolean;
  /** Alive and not paused. */
  readonly answering: boolean;
  /** Its temp dir (nodes.conf), removed by `stop()`. */
  readonly dir: string;
}

/** A real Redis Cluster (3 masters, 3 replicas) on localhost, owned by one test file. */
export interface TestRedisCluster {
  readonly nodes: readonly ClusterNodeProcess[];
  /** `host:port` of every node: seed nodes for `redis: { cluster: … }`. */
  readonly seeds: string[];
  /** A new ioredis Cluster on it (test-friendly: fails fast); closed by `stop()`. */
  client(options?: ClusterOptions): Cluster;
  /** A plain client on one node (CLUSTER INFO, DBSIZE, INFO); closed by `stop()`. */
  nodeClient(port: number): Redis;
  /** The masters, the slot ranges each serves and its replicas' ports, from an answering node's CLUSTER NODES. */
  masters(): Promise<{ address: string; port: number; slots: Array<[number, number]>; replicas: number[] }[]>;
  /** Until every answering node says cluster_state:ok, `masters` of them masters and `replicas` replicas in sync. */
  waitUntilHealthy(options?: { masters?: number; replicas?: number; timeoutMs?: number }): Promise<void>;
  /** CONFIG SET cluster-node-timeout on every answering node (a quick failover after a steady start). */
  setNodeTimeout(ms: number): Promise<void>;
  /** Until every answering master's replicas have caught up with it (replication is asynchronous). */
  waitForReplicas(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface StartClusterOptions {
  /**
   * cluster-node-timeout: how long a silent master takes to be declared failed. Default 2000 ms, so a busy test
   * machine sees no failover it did not ask for (a failover test sets 1000 for a quick one); gossip runs at
   * half of it, so a longer one slows the start (5000 ms: about 5 s instead of 3).
   */
  nodeTimeoutMs?: number;
  /** The redis-server command. Default 'redis-server' from the PATH. */
  redisServer?: string;
}

const MASTERS = 3;
const NODES = MASTERS * 2;

/**
 * Starts 6 redis-server processes with `--cluster-enabled yes`, each in a temp dir of its own, joins them with
 * `redis-cli --cluster create … --cluster-replicas 1`, and waits until the cluster is ok and every replica in
 * sync. Anything that goes wrong stops what was started and throws a message saying what failed.
 */
export async function startRedisCluster(options: StartClusterOptions = {}): Promise<TestRedisCluster> {
  // A free port can be taken by another suite between our probe and redis-server's bind: start over then.
  // Several test runs at once on one machine (two worktrees, say) make that likelier: a few more tries, spread out.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (attempt === 6 || !/Address already in use/i.test(String(error))) throw error;
      await sleep(50 + Math.random() * 200 * attempt);
    }
  }
}

async function startOnce({ nodeTimeoutMs = 2_000, redisServer = 'redis-server' }: StartClusterOptions): Promise<TestRedisCluster> {
  const started: NodeProcess[] = [];
  const clients: Array<Redis | Cluster> = [];
  const stop = async () => {
    // An ended client is left alone: disconnect() on it arms ioredis's 2 s stream-destroy timer, which keeps jest alive.
    const open = clients.filter((c) => c.status !== 'end');
    await Promise.all(open.map((c) => c.quit().catch(() => (c.status === 'end' ? undefined : c.disconnect()))));
    await Promise.all(started.map((n) => n.stop()));
    // A Cluster client with the app's retry options (retry for ever) whose quit raced a slot refresh can still be
    // reconnecting to the nodes just stopped: that loop would keep the jest worker alive. Ended for good here.
    for (const c of clients) if (c.status !== 'end') c.disconnect();
  };
  try {
    const ports = await distinctFreePorts(NODES * 2);
    for (let i = 0; i < NODES; i++) started.push(startNode(redisServer, ports[i]!, ports[NODES + i]!, nodeTimeoutMs));
    await Promise.all(started.map((n) => n.ready));
    await createCluster(started.map((n) => n.address));
  } catch (error) {
    await stop();
    throw error;
  }

  const nodeClient = (port: number) => {
    const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true, enableOfflineQueue: true });
    client.on('error', () => undefined);
    clients.push(client);
    return client;
  };
  const liveNode = () => {
    const node = started.find((n) => n.answering);
    if (!node) throw new Error('test cluster: no node is answering');
    return node;
  };
  const cluster: TestRedisCluster = {
    nodes: started,
    seeds: started.map((n) => n.address),
    client(options = {}) {
      const client = new Cluster(
        started.map((n) => ({ host: '127.0.0.1', port: n.port })),
        { clusterRetryStrategy: () => null, ...options, redisOptions: { maxRetriesPerRequest: 1, ...options.redisOptions } },
      );
      client.on('error', () => undefined);
      clients.push(client);
      return client;
    },
    nodeClient,
    async masters() {
      const seen = parseClusterNodes(await rawCommand(liveNode().port, 'CLUSTER NODES'));
      const masters = seen.filter((n) => n.flags.includes('master') && !n.failing && n.slots.length > 0);
      return masters.map((m) => ({
        address: `127.0.0.1:${m.port}`,
        port: m.port,
        slots: m.slots,
        replicas: seen.filter((n) => n.flags.includes('slave') && !n.failing && n.masterId === m.id).map((n) => n.port),
      }));
    },
    async waitUntilHealthy({ masters = MASTERS, replicas = MASTERS, timeoutMs = 20_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      let last = '';
      while (Date.now() < deadline) {
        last = await healthProblem(started.filter((n) => n.answering), masters, replicas);
        if (!last) return;
        await sleep(100);
      }
      throw new Error(`test cluster not healthy after ${timeoutMs} ms: ${last}`);
    },
    async setNodeTimeout(ms) {
      for (const node of started.filter((n) => n.answering)) {
        const reply = await rawCommand(node.port, `CONFIG SET cluster-node-timeout ${ms}`);
        if (!reply.startsWith('+OK')) throw new Error(`test cluster: CONFIG SET cluster-node-timeout on ${node.address} answered ${JSON.stringify(reply)}`);
      }
    },
    async waitForReplicas(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      let behind: string[] = [];
      while (Date.now() < deadline) {
        behind = [];
        for (const node of started.filter((n) => n.answering)) {
          const info = await rawCommand(node.port, 'INFO replication');
          if (!info.includes('role:master')) continue;
          const offset = /master_repl_offset:(\d+)/.exec(info)?.[1];
          for (const [, replica, replicaOffset] of info.matchAll(/slave\d+:ip=[^,]+,port=(\d+),state=\w+,offset=(\d+)/g)) {
            if (replicaOffset !== offset) behind.push(`${replica} at ${replicaOffset} of ${node.port}'s ${offset}`);
          }
        }
        if (behind.length === 0) return;
        await sleep(20);
      }
      throw new Error(`test cluster: replicas still behind after ${timeoutMs} ms: ${behind.join(', ')}`);
    },
    stop,
  };
  try {
    await cluster.waitUntilHealthy();
  } catch (error) {
    await stop();
    throw error;
  }
  return cluster;
}

interface NodeProcess extends ClusterNodeProcess {
  ready: Promise<void>;
  stop(): Promise<void>;
}

function startNode(command: string, port: number, busPort: number, nodeTimeoutMs: number): NodeProcess {
  const dir = mkdtempSync(join(tmpdir(), 'wol-cluster-'));
  const child: ChildProcess = spawn(
    command,
    [
      '--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'no', '--dir', dir,
      '--save', '', '--appendonly', 'no',
      // A replica's first sync at once, not after the default 5 s wait for more replicas to join it.
      '--repl-diskless-sync-delay', '0',
      '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf',
      '--cluster-node-timeout', String(nodeTimeoutMs),
      // An explicit bus port: the default (port + 10000) may be taken, or above 65535 for a high free port.
      '--cluster-port', String(busPort),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
  child.stderr?.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
  let paused = false;
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      spawnError = error;
      resolve();
    });
  });
  const node: NodeProcess = {
    port,
    address: `127.0.0.1:${port}`,
    dir,
    get alive() {
      return !spawnError && child.exitCode === null && child.signalCode === null;
    },
    get answering() {
      return node.alive && !paused;
    },
    ready: Promise.resolve(),
    async kill() {
      if (node.alive) child.kill('SIGKILL');
      await exited;
    },
    pause() {
      paused = true;
      child.kill('SIGSTOP');
    },
    resume() {
      paused = false;
      child.kill('SIGCONT');
    },
    async stop() {
      if (node.alive) child.kill('SIGKILL'); // nothing to save: --save '' and no AOF
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  node.ready = (async () => {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (spawnError) throw new Error(`could not start redis-server (is it installed and on the PATH?): ${spawnError.message}`);
      if (!node.alive) throw new Error(`redis-server --cluster-enabled on port ${port} exited early:\n${output}`);
      // Ours, not another suite's server that took the port between our probe and this bind.
      if ((await rawCommand(port, 'INFO server')).includes(`process_id:${child.pid}\r\n`)) return;
      await sleep(25);
    }
    throw new Error(`redis-server --cluster-enabled on port ${port} did not answer within 10 s:\n${output}`);
  })();
  node.ready.catch(() => undefined);
  return node;
}

async function createCluster(addresses: string[]): Promise<void> {
  const args = ['--cluster', 'create', ...addresses, '--cluster-replicas', '1', '--cluster-yes'];
  const cli = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  cli.stdout?.on('data', (chunk) => (output += chunk));
  cli.stderr?.on('data', (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      cli.kill('SIGKILL');
      reject(new Error(`redis-cli --cluster create did not finish within 30 s:\n${output}`));
    }, 30_000);
    cli.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not run redis-cli (is it installed?): ${error.message}`));
    });
    cli.once('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  if (code !== 0 || !output.includes('All 16384 slots covered')) {
    throw new Error(`redis-cli ${args.join(' ')} failed (exit ${code}):\n${output}`);
  }
}

/**
 * '' when healthy, else what is still wrong: every answering node says the cluster is ok and sees, in its own
 * CLUSTER NODES, `masters` masters serving slots and `replicas` connected replicas of them (so CLUSTER SLOTS,
 * which clients read, lists them), and every answering replica is in sync. Raw RESP, so a dead or half-started
 * node leaves no client behind.
 */
async function healthProblem(answering: NodeProcess[], masters: number, replicas: number): Promise<string> {
  for (const node of answering) {
    const info = await rawCommand(node.port, 'CLUSTER INFO');
    if (!info.includes('cluster_state:ok')) return `${node.address} says ${/cluster_state:\w+/.exec(info)?.[0] ?? 'nothing'}`;
    if (!info.includes('cluster_slots_ok:16384')) return `${node.address} does not see all slots ok`;
    const seen = parseClusterNodes(await rawCommand(node.port, 'CLUSTER NODES'));
    const liveMasters = seen.filter((n) => n.flags.includes('master') && !n.failing && n.slots.length > 0);
    const liveReplicas = seen.filter((n) => n.flags.includes('slave') && !n.failing && n.connected && liveMasters.some((m) => m.id === n.masterId));
    if (liveMasters.length !== masters) return `${node.address} sees ${liveMasters.length} masters, expected ${masters}`;
    if (liveReplicas.length !== replicas) return `${node.address} sees ${liveReplicas.length} replicas, expected ${replicas}`;
    const replication = await rawCommand(node.port, 'INFO replication');
    if (replication.includes('role:slave') && (!replication.includes('master_link_status:up') || replication.includes('master_sync_in_progress:1'))) {
      return `${node.address} is a replica not in sync yet`;
    }
  }
  return '';
}

/** CLUSTER NODES lines: `<id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot> …`. */
function parseClusterNodes(reply: string) {
  return reply
    .split('\n')
    .filter((line) => /^[0-9a-f]{40} /.test(line))
    .map((line) => {
      const [id, address = '', flags = '', masterId, , , , link, ...slots] = line.trim().split(' ');
      return {
        id,
        port: Number(/:(\d+)@/.exec(address)?.[1]),
        flags: flags.split(','),
        failing: /fail/.test(flags),
        masterId,
        connected: link === 'connected',
        // Ranges "0-5460" or single slots "42"; "[…]" entries are slots being migrated, none here.
        slots: slots.filter((r) => /^\d+(-\d+)?$/.test(r)).map((r) => r.split('-').map(Number)).map(([from, to]) => [from!, to ?? from!] as [number, number]),
      };
    });
}

/** One inline command over a fresh socket; the whole reply as text ('' on any failure, after at most 1 s). */
function rawCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let reply = '';
    const timer = setTimeout(() => done(''), 1_000);
    const done = (text: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(text);
    };
    socket.on('error', () => done(''));
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      reply += chunk;
      if (isComplete(reply)) done(reply);
    });
  });
}

/** A simple (+/-/:) reply ends at its first CRLF, a bulk string ($n) after n more bytes. */
function isComplete(reply: string): boolean {
  const lineEnd = reply.indexOf('\r\n');
  if (lineEnd < 0) return false;
  if (reply[0] !== '$') return true;
  const length = Number(reply.slice(1, lineEnd));
  return length < 0 || Buffer.byteLength(reply) >= lineEnd + 2 + length + 2;
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
