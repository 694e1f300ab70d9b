import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** `calls` per command name from INFO commandstats (commands run inside Lua scripts are counted too). */
export async function commandCalls(redis: Redis): Promise<Record<string, number>> {
  const text = await redis.info('commandstats');
  const calls: Record<string, number> = {};
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[match[1]!] = Number(match[2]);
  return calls;
}

/** Our own INFO polling and connection housekeeping, never the app's. */
const OURS = new Set(['info', 'monitor', 'client|setname', 'client|info', 'select', 'ping']);

export interface CommandCount {
  /** Commands per operation, as Redis counted them (script bodies' commands included). */
  total: number;
  byCommand: Record<string, number>;
}

/** Runs `operation` `times` times and returns Redis's command counts per operation (the delta, divided). */
export async function countCommands(redis: Redis, times: number, operation: (i: number) => Promise<void>): Promise<CommandCount> {
  const before = await commandCalls(redis);
  for (let i = 0; i < times; i++) await operation(i);
  // Let any write that follows the response (none expected) reach Redis before the second snapshot.
  await new Promise((r) => setTimeout(r, 20));
  const after = await commandCalls(redis);
  const byCommand: Record<string, number> = {};
  let total = 0;
  for (const [name, calls] of Object.entries(after)) {
    if (OURS.has(name)) continue;
    const delta = (calls - (before[name] ?? 0)) / times;
    if (delta > 0) {
      byCommand[name] = Math.round(delta * 100) / 100;
      total += delta;
    }
  }
  return { total: Math.round(total * 100) / 100, byCommand };
}

export interface MonitoredCommand {
  /** `lua` for a command a script ran; the client's address otherwise. */
  source: string;
  args: string[];
}

/** The commands Redis received while `operation` ran, in order, via MONITOR on a connection of its own. */
export async function monitorCommands(redis: Redis, operation: () => Promise<void>): Promise<MonitoredCommand[]> {
  const monitor = await redis.monitor();
  const seen: MonitoredCommand[] = [];
  monitor.on('monitor', (_time: string, args: string[], source: string) => seen.push({ source, args }));
  try {
    await new Promise((r) => setTimeout(r, 20));
    await operation();
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    monitor.disconnect();
  }
  return seen.filter((c) => !OURS.has(String(c.args[0]).toLowerCase()));
}

/** One command as a short line: name and keys, long values elided (script bodies, session JSON). */
export function describeCommand({ source, args }: MonitoredCommand): string {
  const shown = args.map((a) => (a.length > 48 ? `${a.slice(0, 40)}…(${a.length})` : a));
  return `${source === 'lua' ? '  (in script) ' : ''}${shown.join(' ')}`;
}

export async function usedMemory(redis: Redis): Promise<number> {
  const text = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(text)?.[1]);
}

export async function memoryUsage(redis: Redis, key: string): Promise<number | null> {
  return (await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) as number | null;
}

export async function keysContaining(redis: Redis, fragment: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `*${fragment}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

/** What one real logged-in session keeps in Redis: every key named after its session id or its grant id. */
export interface SessionTemplate {
  sid: string;
  grantId: string | undefined;
  keys: { key: string; type: 'string' | 'hash'; ttlMs: number; value: string | Record<string, string> }[];
}

/**
 * Reads a real session's keys, so that copies follow whatever format the package writes today (key names,
 * hash tags, the grant beside the session) instead of a format written down here.
 */
export async function readSessionTemplate(redis: Redis, sid: string): Promise<SessionTemplate> {
  const sessionKeys = await keysContaining(redis, sid);
  const sessionKey = sessionKeys.find((k) => /sess/.test(k)) ?? sessionKeys[0];
  if (!sessionKey) throw new Error(`no Redis key holds session ${sid}`);
  const text = await redis.get(sessionKey);
  const grantId = (JSON.parse(text ?? '{}') as { wechat?: { login?: { grantId?: string } } }).wechat?.login?.grantId;
  const names = new Set([...sessionKeys, ...(grantId && grantId !== sid ? await keysContaining(redis, grantId) : [])]);
  const keys: SessionTemplate['keys'] = [];
  for (const key of names) {
    const type = await redis.type(key);
    const ttlMs = await redis.pttl(key);
    if (type === 'string') keys.push({ key, type, ttlMs, value: (await redis.get(key))! });
    else if (type === 'hash') keys.push({ key, type, ttlMs, value: await redis.hgetall(key) });
    else throw new Error(`session key ${key} is a ${type}; the benchmark copies strings and hashes`);
  }
  return { sid, grantId, keys };
}

/** Writes `count` copies of the template under new session (and grant) ids, with pipelines. */
export async function writeSessionCopies(redis: Redis, template: SessionTemplate, count: number, batch = 2_000): Promise<void> {
  const separateGrant = template.grantId !== undefined && template.grantId !== template.sid;
  for (let done = 0; done < count; ) {
    const pipeline = redis.pipeline();
    const n = Math.min(batch, count - done);
    for (let i = 0; i < n; i++) {
      // express-session's ids are 24 random bytes in base64url, like these.
      const sid = randomBytes(24).toString('base64url');
      const grantId = separateGrant ? randomBytes(18).toString('base64url') : sid;
      const rename = (text: string) => {
        let out = text.split(template.sid).join(sid);
        if (separateGrant) out = out.split(template.grantId!).join(grantId);
        return out;
      };
      for (const { key, type, ttlMs, value } of template.keys) {
        const name = rename(key);
        if (type === 'string') {
          if (ttlMs > 0) pipeline.set(name, rename(value as string), 'PX', ttlMs);
          else pipeline.set(name, rename(value as string));
        } else {
          pipeline.hset(name, Object.fromEntries(Object.entries(value as Record<string, string>).map(([f, v]) => [f, rename(v)])));
          if (ttlMs > 0) pipeline.pexpire(name, ttlMs);
        }
      }
    }
    const results = await pipeline.exec();
    const failure = results?.find(([error]) => error);
    if (failure) throw failure[0];
    done += n;
  }
}
