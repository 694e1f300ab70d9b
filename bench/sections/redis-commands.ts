import { LOGOUT_PATH } from '../apps/shared.js';
import type { MainWorld } from '../context.js';
import { get, send } from '../http.js';
import { logIn, logInMany } from '../logins.js';
import { countCommands, describeCommand, monitorCommands } from '../redis-stats.js';
import type { OperationCommands, RedisCommandsReport } from '../report.js';

const TWO_HOURS_MS = 2 * 3600 * 1000;

/**
 * §2: Redis commands per operation, from INFO commandstats deltas averaged over a few operations, and the
 * ordered command list of one more operation from MONITOR. Each kind runs once unmeasured first, so script
 * loading (EVALSHA → NOSCRIPT → EVAL) is not counted.
 */
export async function measureRedisCommands(world: MainWorld): Promise<RedisCommandsReport> {
  const { host, cookies, bench, stats, profile } = world;
  const ops = profile.commandOps;
  const emulator = bench.emulator;
  const ours = host.url('ours');

  /** `operation` needs its own input each time (a session to refresh or log out): `inputs` makes ops + 2 of them. */
  async function measure<T>(inputs: (n: number) => Promise<T[]>, operation: (input: T) => Promise<void>): Promise<OperationCommands> {
    const [warm, ...rest] = await inputs(ops + 2);
    await operation(warm!);
    const counted = await countCommands(stats, ops, (i) => operation(rest[i]!));
    const seen = await monitorCommands(stats, () => operation(rest[ops]!));
    return { ...counted, roundTrips: roundTrips(seen), commands: seen.map(describeCommand) };
  }

  const reuse = (list: string[]) => async (n: number) => Array.from({ length: n }, (_, i) => list[i % list.length]!);
  const guarded = (url: string) => async (cookie: string) => {
    const res = await get(`${url}/api/me`, { cookie, accept: 'application/json' });
    if (res.status !== 200) throw new Error(`guarded request answered ${res.status}`);
  };
  const users = async (n: number) => Array.from({ length: n }, (_, i) => emulator.users[i % emulator.users.length]!.id);

  const guardedRequest = await measure(reuse(cookies.ours), guarded(ours));
  const bareGuardedRequest = await measure(reuse(cookies.bare), guarded(host.url('bare')));
  const passportGuardedRequest = await measure(reuse(cookies.passport), guarded(host.url('passport')));
  const login = await measure(users, async (user) => void (await logIn(ours, emulator, user)));
  const passportLogin = await measure(users, async (user) => void (await logIn(host.url('passport'), emulator, user)));

  // Sessions logged in now, then every host's clock two hours on: each one's next token request refreshes.
  const refresh = await measure(
    async (n) => {
      const fresh = await logInMany(ours, emulator, n);
      await bench.advance(TWO_HOURS_MS);
      return fresh;
    },
    async (cookie) => {
      const res = await get(`${ours}/api/token`, { cookie, accept: 'application/json' });
      if (res.status !== 200) throw new Error(`token request after expiry answered ${res.status}: ${res.body.slice(0, 200)}`);
    },
  );
  const logout = await measure(
    (n) => logInMany(ours, emulator, n),
    async (cookie) => {
      const res = await send('POST', `${ours}${LOGOUT_PATH}`, { cookie, accept: 'application/json' });
      if (res.status !== 204) throw new Error(`logout answered ${res.status}`);
    },
  );
  return {
    opsAveraged: ops,
    operations: { guardedRequest, login, refresh, logout, bareGuardedRequest, passportGuardedRequest, passportLogin },
  };
}

/** Commands a client sent (not those a script ran), with a MULTI … EXEC block counted once: ioredis sends it in one write. */
function roundTrips(seen: { source: string; args: string[] }[]): number {
  let count = 0;
  let inTransaction = false;
  for (const command of seen) {
    if (command.source === 'lua') continue;
    const name = command.args[0]?.toLowerCase();
    if (name === 'multi') inTransaction = true;
    if (!inTransaction) count++;
    if (name === 'exec') {
      inTransaction = false;
      count++;
    }
  }
  return count;
}
