import { createKeys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { createRedisGrants } from '../tokens/redis-grants.js';
import { createRedisScanTickets } from '../scan/redis-tickets.js';
import { createRedisRateLimit } from '../http/redis-rate-limit.js';
import { createRedisUsers } from '../users/redis-users.js';
import { sealScanTicketTokens } from '../scan/sealed-tickets.js';
import { tokenCipherFor } from '../store/token-cipher.js';
import type { WechatStore } from '../store/types.js';
import { createRedisLoginStates } from '../login/redis-login-states.js';
import { createRedisPlatformStore } from '../platform/redis-platform-store.js';
import { sealPlatformCredentials } from '../platform/sealed-credentials.js';

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
    ...createRedisLoginStates(redis, keys),
    ...createRedisRateLimit(redis, keys),
    users: createRedisUsers(redis, keys, cipher),
    grants: createRedisGrants(redis, keys, cipher),
    scanTickets: sealScanTicketTokens(createRedisScanTickets(redis, keys), cipher),
    platform: sealPlatformCredentials(createRedisPlatformStore(redis, keys), cipher),
    async close() {
      if (!ownsClient) return;
      await redis.quit().catch(() => undefined);
      // A quit that failed, or a Cluster still reconnecting after it: ended for good, so shutdown never hangs.
      if (redis.status !== 'end') redis.disconnect();
    },
  };
}

