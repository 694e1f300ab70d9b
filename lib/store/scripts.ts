import type { RedisClient } from './redis-client.js';

/**
 * A Lua script registered once on the client with ioredis's defineCommand: sent as EVALSHA (the text only
 * when Redis has not seen it yet). `numberOfKeys` undefined: the caller passes the key count first.
 */
export function defineScript<Result>(
  redis: RedisClient,
  name: string,
  lua: string,
  numberOfKeys?: number,
): (...args: (string | number)[]) => Promise<Result> {
  const commands = redis as unknown as Record<string, (...args: (string | number)[]) => Promise<Result>>;
  if (typeof commands[name] !== 'function') {
    redis.defineCommand(name, numberOfKeys === undefined ? { lua } : { lua, numberOfKeys });
  }
  return (...args) => commands[name]!.call(redis, ...args);
}
