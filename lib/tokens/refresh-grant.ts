import { logger } from '../debug.js';
import { WECHAT_ERRCODES, hasErrcode } from '../errors.js';
import type { GrantRecord, GrantTokens } from '../store/types.js';
import type { WechatApiClient } from '../wechat/api-client.js';
import type { WechatAccessTokenResponse } from '../wechat/types.js';
import { ReauthorizationRequiredError, readLiveGrant } from './live-grant.js';
import { saveTokens, type SaveTokensDependencies } from './save-tokens.js';
import type { UnsavedTokens } from './unsaved-tokens.js';

const log = logger('tokens');

export interface RefreshDependencies extends SaveTokensDependencies {
  /** The client of the app that issued a grant (its `appId`; undefined: the Official Account). */
  apiFor(appId: string | undefined): Pick<WechatApiClient, 'refreshToken'>;
  unsaved: UnsavedTokens;
}

/** The grant's refresh lock as its holder sees it: `released` once a write that ends the refresh gave it back. */
export interface HeldLock {
  readonly owner: string;
  released: boolean;
}

/**
 * Refreshes `grant` at WeChat while holding its lock, and stores the answer only over `grant.version`
 * (compare-and-set), the lock given back by that same write. A refresh token WeChat refuses (42002/40030)
 * marks the grant dead; a transient failure leaves it as it is, for the next request to try again.
 */
export async function refreshGrant(deps: RefreshDependencies, grantId: string, grant: GrantRecord, lock: HeldLock): Promise<GrantRecord> {
  let result: WechatAccessTokenResponse;
  try {
    result = await deps.apiFor(grant.appId).refreshToken(grant.refreshToken);
  } catch (error) {
    const { REFRESH_TOKEN_EXPIRED, INVALID_REFRESH_TOKEN } = WECHAT_ERRCODES;
    if (!hasErrcode(error, REFRESH_TOKEN_EXPIRED, INVALID_REFRESH_TOKEN)) throw error;
    const markedDead = await deps.grants.markDead(grantId, grant.version, lock.owner);
    lock.released = true;
    if (markedDead) throw new ReauthorizationRequiredError(`refresh refused (${error.errcode})`, { cause: error });
    // The grant moved on while we asked: a refresh that overtook ours (our lock had expired) used this
    // refresh token first, and WeChat refused it to us for that reason. Its tokens are the live ones.
    log('refresh refused (%d) after another refresh landed: using that one', error.errcode);
    return readLiveGrant(deps.grants, grantId);
  }
  const tokens: GrantTokens = {
    accessToken: result.access_token,
    refreshToken: result.refresh_token || grant.refreshToken,
    expiresAt: deps.clock.now() + result.expires_in * 1000,
    expiresIn: result.expires_in,
    scope: result.scope || grant.scope,
  };
  let saved: GrantRecord | null;
  try {
    saved = await saveTokens(deps, grantId, grant.version, tokens, lock.owner);
  } catch (error) {
    deps.unsaved.remember(grantId, grant.version, tokens);
    throw error;
  }
  lock.released = true;
  if (!saved) return readLiveGrant(deps.grants, grantId); // our lock had expired and someone else refreshed: theirs is newer
  log('refreshed grant (version %d)', saved.version);
  return saved;
}
