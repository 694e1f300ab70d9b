import type { Clock } from '../clock.js';
import { WechatArgumentError } from '../errors.js';
import type { UserRepository, WechatStore } from '../store/types.js';
import type { WechatPublicAuthModel } from '../store/user-model.js';

/**
 * The logins (grants) one user keeps at most. Each grant is listed under its user, so that all of them can be
 * ended at once; past this many, a new login ends the oldest, which keeps that list, and what signing out
 * everywhere has to do, bounded.
 */
export const MAX_GRANTS_PER_USER = 100;

/**
 * A user's grant ids with their expiry: bounded (`MAX_GRANTS_PER_USER`, the oldest pushed out), expired ones
 * dropped on every add, and the list itself expiring with its longest-lived grant.
 */
export interface UserGrantIndex {
  /** Lists `grantId` under `userId` until `ttlMs` from now; returns the ids pushed out past the cap (to be ended). */
  add(userId: number, grantId: string, ttlMs: number): Promise<string[]>;
  /** The grant ids listed now (expired ones may still be among them). */
  list(userId: number): Promise<string[]>;
  remove(userId: number, grantIds: readonly string[]): Promise<void>;
}

/** `wechat.users`: the stored users, and signing one out everywhere. */
export interface WechatUsers extends UserRepository {
  /**
   * The user with this openid in `appId`; without `appId`, in the Official Account, else in the website app.
   *
   * @example
   * const user = await wechat.users.findByOpenid(openid);
   */
  findByOpenid(openid: string, appId?: string): Promise<WechatPublicAuthModel | null>;
  /**
   * Ends every login of the user with this openid (of either app: the person's logins through the Official
   * Account and through the website app are all ended), in every process and on every device (a stolen phone, a
   * banned account): each grant and its tokens are deleted, and with the default session store each session
   * too; the user record's copy of the tokens is cleared. The next request of each of those browsers is
   * anonymous. Returns how many logins were ended (0 for an unknown openid). The user record itself stays.
   *
   * @example
   * const ended = await wechat.users.signOutEverywhere(openid);
   */
  signOutEverywhere(openid: string): Promise<number>;
}

/**
 * The store's users with signOutEverywhere beside them. Methods are bound, so a class-based repository works too.
 * `appIds`: the apps logins come through, the Official Account first (an openid is looked up in each, in order).
 */
export function createWechatUsers(store: Pick<WechatStore, 'users' | 'grants'>, clock: Clock, appIds: readonly string[] = []): WechatUsers {
  const { users, grants } = store;
  async function findByOpenid(openid: string, appId?: string): Promise<WechatPublicAuthModel | null> {
    if (appId !== undefined || appIds.length === 0) return users.findByOpenid(openid, appId);
    for (const app of appIds) {
      const user = await users.findByOpenid(openid, app);
      if (user) return user;
    }
    return null;
  }
  return {
    upsert: users.upsert.bind(users),
    updateTokens: users.updateTokens.bind(users),
    findById: users.findById.bind(users),
    findByOpenid,
    findByUnionid: users.findByUnionid.bind(users),
    async signOutEverywhere(openid) {
      if (typeof openid !== 'string' || openid === '') throw new WechatArgumentError('signOutEverywhere(openid): "openid" must be a non-empty string');
      const user = await findByOpenid(openid);
      if (!user) return 0;
      const ended = await grants.deleteAllOfUser(user.id);
      await users.updateTokens(user.id, { accessToken: '', refreshToken: '', expiresIn: 0 }, clock.now(), { signOut: true });
      return ended;
    },
  };
}
