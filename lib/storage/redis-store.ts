import { createKeys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { createRedisGrants } from '../tokens/redis-grants.js';
import { createRedisScanTickets } from '../scan/redis-tickets.js';
import { createRedisRateLimit } from '../http/redis-rate-limit.js';
import { createRedisUsers } from '../users/redis-users.js';
import { guard } from '../store/store-error.js';
import { sealScanTicketTokens } from '../scan/sealed-tickets.js';
import { tokenCipherFor } from '../store/token-cipher.js';
import type { CodeOutcome, LoginStateRecord, WechatStore } from '../store/types.js';

export interface RedisStoreOptions {
  /** One server or a Cluster: every multi-key command and script stays within one hash tag. */
  redis: RedisClient;
  appId: string;
  keyPrefix: string;
  /** Disconnect the client on close() (true when we created it from a URL or seed nodes). */
  ownsClient?: boolean;
  /**
   * Encrypts the access and refresh tokens stored in grants and user records (AES-256-GCM): a 32-byte key as
   * base64 or 64 hex characters (`openssl rand -base64 32`), or a list of keys, newest first, to rotate.
   */
  tokenEncryptionKey?: string | string[];
}

/** The production store: everything in Redis, nothing in process memory, Cluster-safe key layout. */
export function createRedisStore({ redis, appId, keyPrefix, ownsClient = false, tokenEncryptionKey }: RedisStoreOptions): WechatStore {
  const keys = createKeys(keyPrefix, appId);
  const cipher = tokenCipherFor(tokenEncryptionKey);
  return {
    kind: 'redis',
    putLoginState: (nonce, record, ttlMs) =>
      guard(async () => {
        await redis.set(keys.loginState(nonce), JSON.stringify(record), 'PX', Math.ceil(ttlMs));
      }),
    takeLoginState: (nonce) =>
      guard(async () => parseJson<LoginStateRecord>(await redis.getdel(keys.loginState(nonce)))),
    claimCode: (codeHash, ttlMs) =>
      guard(async () => {
        const pending: CodeOutcome = { status: 'pending' };
        return (await redis.set(keys.code(codeHash), JSON.stringify(pending), 'PX', Math.ceil(ttlMs), 'NX')) === 'OK';
      }),
    setCodeOutcome: (codeHash, outcome, ttlMs) =>
      guard(async () => {
        await redis.set(keys.code(codeHash), JSON.stringify(outcome), 'PX', Math.ceil(ttlMs));
      }),
    getCodeOutcome: (codeHash) => guard(async () => parseJson<CodeOutcome>(await redis.get(keys.code(codeHash)))),
    hitRateLimit: createRedisRateLimit(redis, keys),
    users: createRedisUsers(redis, keys, cipher),
    grants: createRedisGrants(redis, keys, cipher),
    scanTickets: sealScanTicketTokens(createRedisScanTickets(redis, keys), cipher),
    async close() {
      if (ownsClient) await redis.quit().catch(() => redis.disconnect());
    },
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
