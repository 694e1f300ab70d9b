import { logger } from '../debug.js';
import { Cluster, Redis, type ClusterNode, type ClusterOptions, type RedisOptions } from 'ioredis';

const log = logger('redis');

/** What everything on the Redis side runs on: one server (or a Sentinel-managed one), or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/**
 * Seed nodes of a Redis Cluster, for us to connect to: each `host:port`, or a `redis://` / `rediss://` URL
 * whose user, password and TLS then apply to every node (they must agree). A few nodes are enough: the rest
 * of the cluster is discovered from them.
 */
export interface RedisClusterNodes {
  cluster: string[];
}

/** A seed node, parsed; credentials and TLS as the URL form gives them. */
export interface ParsedClusterNode {
  host: string;
  port: number;
  username?: string;
  password?: string;
  tls: boolean;
}

/**
 * How a Cluster we build rides out a failover (a master dies, its replica takes over): a command on the dead
 * master's slots is retried against the fresh slot map until the replica is promoted, and given up after
 * `commandTimeoutMs` at the latest, so a request answers 503 within a few seconds instead of hanging. A user's
 * own Cluster should set the same (README, "redis").
 */
export const CLUSTER_OPTIONS = {
  /** Ready only when CLUSTER INFO says cluster_state:ok, not while slots are uncovered. */
  enableReadyCheck: true,
  /**
   * Re-read the slot map this often. A dead master's closed connections, MOVED and CLUSTERDOWN refresh it at once;
   * a hung one (no answer, no close) times out, and only this finds its promoted replica.
   */
  slotsRefreshInterval: 2_000,
  slotsRefreshTimeout: 1_000,
  /** A closed connection or CLUSTERDOWN: retry after this pause on a fresh slot map (a promotion takes a moment). */
  retryDelayOnFailover: 200,
  retryDelayOnClusterDown: 200,
  retryDelayOnTryAgain: 100,
  /** Each retry of a command counts; with the pauses above this is ~1.6–3 s of trying before an error. */
  maxRedirections: 16,
  /** The whole cluster unreachable: reconnect with a growing pause of at most 2 s, for as long as it takes. */
  clusterRetryStrategy: (times: number) => Math.min(100 * times, 2_000),
  /** Per node. A node connection is not retried (the slot map says where to go instead). */
  redisOptions: {
    connectTimeout: 2_000,
    /** The deadline of one command, retries included: no request waits on Redis longer than this. */
    commandTimeout: 3_000,
    maxRetriesPerRequest: 1,
  },
} satisfies ClusterOptions;

/**
 * How a single Redis we build from a URL answers within a deadline, whatever happens to the server: a command
 * gives up after `commandTimeout` (a server that hangs: DEBUG SLEEP, a long script, SIGSTOP, a dead host whose
 * connection stays open), and while the connection is down commands fail at once instead of queueing (see
 * {@link failFastWhileDisconnected}). Either way the request answers 503 and nobody is logged out. Give your own
 * client the same (README, "redis").
 */
export const REDIS_OPTIONS = {
  connectTimeout: 2_000,
  /** The deadline of one command, queued time included: no request waits on Redis longer than this. */
  commandTimeout: 1_500,
  /** A command caught by a dropped connection is tried once more on the next one, then fails. */
  maxRetriesPerRequest: 1,
} satisfies RedisOptions;

/**
 * While the client has no connection, commands fail at once ("not connected": a 503) instead of waiting in
 * ioredis's offline queue for a reconnect that may be seconds away; once connected, they queue as usual (e.g.
 * behind the first connection, which is still opening). The reconnects themselves go on in the background.
 */
export function failFastWhileDisconnected<T extends RedisClient>(client: T): T {
  client.on('close', () => {
    client.options.enableOfflineQueue = false;
  });
  client.on('ready', () => {
    client.options.enableOfflineQueue = true;
  });
  return client;
}

/** Reads a seed node: `host:port`, `[v6]:port` or a redis(s):// URL. Null when it is none of those. */
export function parseClusterNode(text: string): ParsedClusterNode | null {
  if (typeof text !== 'string') return null;
  const hasScheme = /^rediss?:\/\//.test(text);
  if (!hasScheme && !/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d+$/.test(text)) return null;
  let url: URL;
  try {
    url = new URL(hasScheme ? text : `redis://${text}`);
  } catch {
    return null;
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? 6379 : Number(url.port);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535 || (url.pathname && url.pathname !== '/')) return null;
  return {
    host,
    port,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    tls: url.protocol === 'rediss:',
  };
}

/**
 * The client we create from a URL or from seed nodes; `close()` disconnects it. Either way an outage must
 * become a prompt 503 (the store's errors), never a hung request.
 */
export function connectRedis(target: string | ParsedClusterNode[]): RedisClient {
  if (typeof target === 'string') return logConnectionErrors(failFastWhileDisconnected(new Redis(target, { ...REDIS_OPTIONS })));
  const [first] = target;
  const cluster = new Cluster(
    target.map(({ host, port }): ClusterNode => ({ host, port })),
    {
      ...CLUSTER_OPTIONS,
      redisOptions: {
        ...CLUSTER_OPTIONS.redisOptions,
        ...(first?.username ? { username: first.username } : {}),
        ...(first?.password ? { password: first.password } : {}),
        ...(first?.tls ? { tls: {} } : {}),
      },
    },
  );
  // While no node at all can be reached, commands fail at once: queued, they would wait with no deadline
  // (commandTimeout starts only when a node takes the command).
  return logConnectionErrors(failFastWhileDisconnected(cluster));
}

/**
 * A client without an 'error' listener has ioredis print "[ioredis] Unhandled error event" with a stack to
 * stderr at every failed reconnect, many times a second through an outage. The requests it fails already answer
 * 503 (and the app's error handler sees them); the connection's own errors go to the debug log.
 */
function logConnectionErrors<T extends RedisClient>(client: T): T {
  client.on('error', (error: Error) => log('Redis connection error: %s', error.message));
  return client;
}
