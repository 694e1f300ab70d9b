import type { WechatLoginOptions } from '../../lib/index.js';
import { createTestClock, startWechatEmulator, type TestClock, type WechatEmulator } from '../../lib/testing/index.js';
import { loginOptions, type LoginWorld } from './login-app.js';
import { startRedisCluster, type StartClusterOptions, type TestRedisCluster } from './redis-cluster.js';

/** A real Redis Cluster and a WeChat emulator sharing one test clock: login-app.ts's world, on a cluster. */
export interface ClusterWorld {
  cluster: TestRedisCluster;
  emulator: WechatEmulator;
  clock: TestClock;
  /** loginOptions() with `redis: { cluster: seeds }` (we build the Cluster), unless overridden. */
  options(overrides?: Partial<WechatLoginOptions>): WechatLoginOptions;
  stop(): Promise<void>;
}

export async function startClusterWorld(clusterOptions?: StartClusterOptions): Promise<ClusterWorld> {
  const clock = createTestClock();
  const [clusterStart, emulatorStart] = await Promise.allSettled([startRedisCluster(clusterOptions), startWechatEmulator({ clock })]);
  if (clusterStart.status === 'rejected' || emulatorStart.status === 'rejected') {
    // Whichever did start is stopped: left running, it would keep the jest worker alive.
    if (clusterStart.status === 'fulfilled') await clusterStart.value.stop();
    if (emulatorStart.status === 'fulfilled') await emulatorStart.value.close();
    throw clusterStart.status === 'rejected' ? clusterStart.reason : (emulatorStart as PromiseRejectedResult).reason;
  }
  const [cluster, emulator] = [clusterStart.value, emulatorStart.value];
  // loginOptions reads the emulator and the clock; `redis` is always given here.
  const world = { emulator, clock } as Pick<LoginWorld, 'emulator' | 'clock'> as LoginWorld;
  return {
    cluster,
    emulator,
    clock,
    options: (overrides = {}) => loginOptions(world, { redis: { cluster: cluster.seeds }, ...overrides }),
    async stop() {
      await emulator.close();
      await cluster.stop();
    },
  };
}
