import type { Cluster, Redis } from 'ioredis';
import type { RedisClient } from './redis-client.js';

/** Keys one server listed, to be read or deleted there: on a Cluster each key lives on the master that listed it. */
export interface NodeKeys {
  node: Redis;
  keys: string[];
}

function isCluster(redis: RedisClient): redis is Cluster {
  return typeof (redis as Cluster).nodes === 'function';
}

/** `*`, `?`, `[` and `\` in `text` taken literally by SCAN's MATCH. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * Every key starting with `prefix`, by the server holding it: each master of a Cluster (a SCAN sent to the
 * Cluster itself reaches one node only), else the one server. A replica is never asked, and a promotion during
 * the scan shows up as an error, not as a silently shorter list.
 */
export async function scanEveryMaster(redis: RedisClient, prefix: string, count: number): Promise<NodeKeys[]> {
  // A Cluster knows its masters once it has read the slot map: any command waits for that (or fails, as all would).
  if (isCluster(redis) && redis.status !== 'ready') await redis.ping();
  const nodes = isCluster(redis) ? redis.nodes('master') : [redis];
  if (nodes.length === 0) throw new Error('Redis Cluster: no master known');
  const pattern = `${escapeGlob(prefix)}*`;
  return Promise.all(
    nodes.map(async (node) => {
      const keys = new Set<string>(); // SCAN may return a key twice
      let cursor = '0';
      do {
        const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
        for (const key of batch) keys.add(key);
        cursor = next;
      } while (cursor !== '0');
      return { node, keys: [...keys] };
    }),
  );
}

/**
 * One single-key command per key, pipelined on the node that listed it (never one command over many keys:
 * Redis Cluster refuses those across slots). The replies in the order of the keys, node after node.
 */
export async function onEachKey<T>(listed: NodeKeys[], command: 'get' | 'unlink'): Promise<T[]> {
  const replies = await Promise.all(
    listed.map(async ({ node, keys }) => {
      if (keys.length === 0) return [];
      const results = (await node.pipeline(keys.map((key) => [command, key])).exec()) ?? [];
      return results.map(([error, reply]) => {
        if (error) throw error;
        return reply as T;
      });
    }),
  );
  return replies.flat();
}
