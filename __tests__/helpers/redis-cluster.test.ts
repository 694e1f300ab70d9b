import { describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { startRedisCluster } from './redis-cluster.js';

describe('test Redis Cluster helper', () => {
  it('starts 3 masters with a replica each on free ports, serves a Cluster client, and stops every process and temp dir', async () => {
    const cluster = await startRedisCluster();
    const { nodes } = cluster;
    try {
      const masters = await cluster.masters();
      expect(masters).toHaveLength(3);
      expect(masters.map((m) => m.replicas.length)).toEqual([1, 1, 1]);
      expect(masters.flatMap((m) => m.slots).reduce((n, [from, to]) => n + to - from + 1, 0)).toBe(16384);
      const client = cluster.client();
      await Promise.all(Array.from({ length: 30 }, (_, i) => client.set(`k{${i}}`, String(i))));
      expect(await client.get('k{29}')).toBe('29');
      expect(nodes.every((n) => n.alive && existsSync(n.dir))).toBe(true);
    } finally {
      await cluster.stop();
    }
    expect(nodes.some((n) => n.alive || existsSync(n.dir))).toBe(false);
  }, 60_000);

  it('fails at once, saying why, when redis-server cannot be started', async () => {
    const started = performance.now();
    const attempt = startRedisCluster({ redisServer: '/nonexistent/redis-server' });
    // Should it start after all, it is stopped: a cluster left running would keep this jest worker alive.
    attempt.then((cluster) => cluster.stop(), () => undefined);
    await expect(attempt).rejects.toThrow(/could not start redis-server \(is it installed and on the PATH\?\): spawn \/nonexistent\/redis-server ENOENT/);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
