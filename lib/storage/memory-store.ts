import { systemClock, type Clock } from '../clock.js';
import { createExpiringMap } from '../store/expiring-map.js';
import { createMemoryRateLimit } from '../http/memory-rate-limit.js';
import { createMemoryLoginStates } from '../login/memory-login-states.js';
import { createMemoryScanTickets } from '../scan/memory-tickets.js';
import { createMemoryUserGrants } from '../users/memory-user-grants.js';
import { grantFields, newGrantId, parseGrant, parseUser, tokenFields, userFields } from '../store/records.js';
import { sealScanTicketTokens } from '../scan/sealed-tickets.js';
import { tokenCipherFor, type TokenCipher } from '../store/token-cipher.js';
import type { GrantStore, UserRepository, WechatStore } from '../store/types.js';
import { createMemoryPlatformStore } from '../platform/memory-platform-store.js';
import { sealPlatformCredentials } from '../platform/sealed-credentials.js';
import type { UserGrantIndex } from '../users/user-grants.js';

export interface MemoryStoreOptions {
  clock?: Clock;
  /** As createRedisStore's: tokens are kept encrypted, as they would be in Redis. */
  tokenEncryptionKey?: string | string[];
  /**
   * The Official Account's appId: the app of a login or lookup that names none, as the Redis store's `appId`
   * is. Without it (createWechatLogin always names the app), a lookup by openid alone searches every app.
   */
  appId?: string;
}

/**
 * A store in this process's memory, for a one-process demo or a first try without Redis. Like
 * express-session's MemoryStore it is not for production: nothing is shared between processes and
 * everything is lost on restart.
 */
export function createMemoryStore({ clock = systemClock, tokenEncryptionKey, appId }: MemoryStoreOptions = {}): WechatStore {
  const cipher = tokenCipherFor(tokenEncryptionKey);
  // Expired entries nobody reads again (a flood's login states) are swept, so memory follows what is live.
  const values = createExpiringMap(clock);
  const put = (key: string, value: unknown, ttlMs: number) => values.set(key, value, ttlMs);
  const replace = (key: string, value: unknown) => values.replace(key, value);
  const read = <T>(key: string): T | null => values.get<T>(key);
  const limits = createMemoryRateLimit();

  return {
    kind: 'memory',
    ...createMemoryLoginStates({ put, read }),
    hitRateLimit: limits.hit,
    forgetRateLimitHit: limits.forget,
    users: createMemoryUsers(cipher, appId),
    grants: createMemoryGrants(put, replace, read, (key) => values.delete(key), cipher, createMemoryUserGrants(clock)),
    scanTickets: sealScanTicketTokens(createMemoryScanTickets(clock), cipher),
    platform: sealPlatformCredentials(createMemoryPlatformStore(clock), cipher),
    async close() {
      values.clear();
    },
  };
}

/**
 * redis-users.ts's rules in one process: each step is synchronous, so a claim is as atomic as the script's.
 * `official`: the app of a profile or lookup that names none; unknown (no `appId` option), a lookup without an
 * app finds the openid in whichever app has it.
 */
function createMemoryUsers(cipher: TokenCipher, official: string | undefined): UserRepository {
  const byId = new Map<number, Record<string, string>>();
  /** openid → appId → user id. */
  const byOpenid = new Map<string, Map<string, number>>();
  const byUnionid = new Map<string, number>();
  /** When each user was last signed out everywhere: a refresh of an older login does not copy its tokens back. */
  const signedOut = new Map<number, number>();
  let sequence = 0;
  const find = (id: number | undefined) => (id === undefined ? null : parseUser({ ...byId.get(id) }, cipher, official));
  const idOfOpenid = (openid: string, appId: string | undefined) => {
    const apps = byOpenid.get(openid);
    if (!apps) return undefined;
    if (appId !== undefined || official !== undefined) return apps.get(appId ?? official!);
    return apps.values().next().value;
  };

  /** The unionid is the person when WeChat gave one; else the app's openid. */
  function idOfPerson(appId: string, openid: string, unionid: string | undefined): number {
    const known = idOfOpenid(openid, appId);
    if (!unionid) return known ?? ++sequence;
    const id = byUnionid.get(unionid) ?? known ?? ++sequence;
    byUnionid.set(unionid, id);
    return id;
  }

  return {
    async upsert(profile, tokens, now) {
      const appId = profile.appId ?? official ?? '';
      const id = idOfPerson(appId, profile.openid, profile.unionid || undefined);
      byOpenid.set(profile.openid, (byOpenid.get(profile.openid) ?? new Map<string, number>()).set(appId, id));
      const previous = byId.get(id);
      byId.set(id, {
        createdAt: String(now),
        openid: profile.openid,
        ...previous,
        id: String(id),
        ...userFields(profile, appId, tokens, now, cipher, id),
      });
      return find(id)!;
    },
    async updateTokens(id, tokens, now, { loggedInAt, signOut = false } = {}) {
      const previous = byId.get(id);
      if (!previous) return;
      const signedOutAt = signedOut.get(id);
      if (loggedInAt !== undefined && signedOutAt !== undefined && loggedInAt <= signedOutAt) return;
      byId.set(id, { ...previous, ...tokenFields(tokens, now, cipher, id) });
      if (signOut) signedOut.set(id, now);
    },
    findById: async (id) => find(byId.has(id) ? id : undefined),
    findByOpenid: async (openid, appId) => find(idOfOpenid(openid, appId)),
    findByUnionid: async (unionid) => find(byUnionid.get(unionid)),
  };
}

function createMemoryGrants(
  put: (key: string, value: unknown, ttlMs: number) => void,
  replace: (key: string, value: unknown) => void,
  read: <T>(key: string) => T | null,
  remove: (key: string) => void,
  cipher: TokenCipher,
  userGrants: UserGrantIndex,
): GrantStore {
  const getFields = (grantId: string) => read<Record<string, string>>(`grant:${grantId}`);
  /** As the Redis scripts do: the write that ends a refresh gives its holder's lock back. */
  const release = (grantId: string, owner: string | undefined) => {
    if (owner && read(`lock:${grantId}`) === owner) remove(`lock:${grantId}`);
  };

  /** Sessions live in express-session's store here: ending a login is deleting its grant. */
  const endLogin = (grantId: string) => {
    const existed = getFields(grantId) !== null;
    remove(`grant:${grantId}`);
    remove(`lock:${grantId}`);
    return existed;
  };

  return {
    async create(grant, ttlMs, grantId = newGrantId()) {
      (await userGrants.add(grant.userId, grantId, ttlMs)).forEach(endLogin);
      put(`grant:${grantId}`, { ...grantFields(grant, cipher, grantId), version: '1', dead: '0' }, ttlMs);
      return grantId;
    },
    async get(grantId) {
      const fields = getFields(grantId);
      return fields ? parseGrant(fields, cipher, grantId) : null;
    },
    async status(grantId) {
      const fields = getFields(grantId);
      return fields?.version ? { version: Number(fields.version), dead: fields.dead === '1', expiresAt: Number(fields.expiresAt) } : null;
    },
    async replaceTokens(grantId, expectedVersion, tokens, lockOwner) {
      release(grantId, lockOwner);
      const fields = getFields(grantId);
      if (!fields || fields.version !== String(expectedVersion)) return null;
      const next = { ...fields, ...grantFields(tokens, cipher, grantId), version: String(expectedVersion + 1) };
      replace(`grant:${grantId}`, next);
      return parseGrant(next, cipher, grantId);
    },
    async markDead(grantId, expectedVersion, lockOwner) {
      release(grantId, lockOwner);
      const fields = getFields(grantId);
      if (!fields || fields.version !== String(expectedVersion)) return false;
      const { accessToken: _a, refreshToken: _r, ...rest } = fields;
      replace(`grant:${grantId}`, { ...rest, dead: '1', version: String(expectedVersion + 1) });
      return true;
    },
    async delete(grantId) {
      const userId = getFields(grantId)?.userId;
      endLogin(grantId);
      if (userId !== undefined) await userGrants.remove(Number(userId), [grantId]);
    },
    async deleteAllOfUser(userId) {
      const grantIds = await userGrants.list(userId);
      const ended = grantIds.filter(endLogin).length;
      await userGrants.remove(userId, grantIds);
      return ended;
    },
    async tryLock(grantId, owner, ttlMs) {
      const locked = read(`lock:${grantId}`) === null;
      if (locked) put(`lock:${grantId}`, owner, ttlMs);
      const version = getFields(grantId)?.version;
      return { locked, version: version === undefined ? null : Number(version) };
    },
    async unlock(grantId, owner) {
      release(grantId, owner);
    },
  };
}
