import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { defineScript } from '../store/scripts.js';
import { guard } from '../store/store-error.js';
import type { CodeOutcome, LoginStateClaim, LoginStateClaimRequest } from '../store/types.js';

/**
 * A started login's single use, in one script on one hash tag (the nonce): SET NX the state's used mark for its
 * remaining life; if it was unused, claim the code beneath it (a "pending" outcome); else read that code's
 * outcome. The first write is the SET, so Redis out of memory refuses the step before anything is claimed.
 * KEYS: used mark[, code]. ARGV: state ttl, code ttl, pending. Returns {1} fresh, {0[, outcome]} used.
 */
const CLAIM_LUA = `
if redis.call('SET', KEYS[1], '1', 'PX', ARGV[1], 'NX') then
  if KEYS[2] then redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2]) end
  return {1}
end
if KEYS[2] then
  local outcome = redis.call('GET', KEYS[2])
  if outcome then return {0, outcome} end
end
return {0}
`;

const PENDING = JSON.stringify({ status: 'pending' } satisfies CodeOutcome);

export function createRedisLoginStates(redis: RedisClient, keys: Pick<Keys, 'stateUsed' | 'code'>) {
  const claim = defineScript<[number, string?]>(redis, 'wolClaimLoginState', CLAIM_LUA);
  return {
    claimLoginState: ({ nonce, stateTtlMs, codeHash, codeTtlMs }: LoginStateClaimRequest): Promise<LoginStateClaim> =>
      guard(async () => {
        const ttls = [Math.max(1, Math.ceil(stateTtlMs)), Math.max(1, Math.ceil(codeTtlMs)), PENDING];
        const [fresh, outcome] =
          codeHash === undefined ? await claim(1, keys.stateUsed(nonce), ...ttls) : await claim(2, keys.stateUsed(nonce), keys.code(nonce, codeHash), ...ttls);
        return fresh === 1 ? { fresh: true } : { fresh: false, outcome: parseJson<CodeOutcome>(outcome ?? null) };
      }),
    setCodeOutcome: (nonce: string, codeHash: string, outcome: CodeOutcome, ttlMs: number) =>
      guard(async () => {
        await redis.set(keys.code(nonce, codeHash), JSON.stringify(outcome), 'PX', Math.ceil(ttlMs));
      }),
    getCodeOutcome: (nonce: string, codeHash: string) => guard(async () => parseJson<CodeOutcome>(await redis.get(keys.code(nonce, codeHash)))),
  };
}

function parseJson<T>(text: string | null): T | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}
