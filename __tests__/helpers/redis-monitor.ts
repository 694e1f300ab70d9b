import { afterEach, beforeEach } from '@jest/globals';
import { Redis } from 'ioredis';

/** One command MONITOR saw: `source` is 'lua' for a command a script ran, the client's address otherwise. */
export interface SeenCommand {
  source: string;
  args: string[];
}

export interface RedisMonitor {
  /** Everything seen since the last `reset()`. */
  readonly seen: SeenCommand[];
  reset(): void;
  /** Waits until MONITOR has shown everything sent so far (a PING passes it after them), then forgets the PING. */
  settle(): Promise<void>;
}

/**
 * A MONITOR connection per test, to the Redis `port()` names. ioredis switches to monitoring only after MONITOR's
 * +OK has been handled, so a command of another client arriving in the same read fails the start ("Command
 * queue state error"): such a start is closed and tried again.
 */
export function useRedisMonitor(port: () => number, ping: () => Promise<unknown>): RedisMonitor {
  let client: Redis | undefined;
  const state: { seen: SeenCommand[] } = { seen: [] };
  beforeEach(async () => {
    state.seen = [];
    client = await startMonitor(port());
    client.on('monitor', (_time: string, args: string[], source: string) => state.seen.push({ source, args }));
  });
  afterEach(() => client?.disconnect());
  return {
    get seen() {
      return state.seen;
    },
    reset() {
      state.seen = [];
    },
    async settle() {
      await ping();
      await new Promise((resolve) => setTimeout(resolve, 20));
      state.seen = state.seen.filter(({ args }) => args[0]?.toLowerCase() !== 'ping');
    },
  };
}

async function startMonitor(port: number): Promise<Redis> {
  for (let attempt = 1; ; attempt++) {
    const client = new Redis({ host: '127.0.0.1', port, monitor: true, enableReadyCheck: false, retryStrategy: () => null });
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('monitoring', resolve);
        client.once('error', reject);
      });
      return client;
    } catch (error) {
      client.disconnect();
      if (attempt === 3) throw error;
    }
  }
}
