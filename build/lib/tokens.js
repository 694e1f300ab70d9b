import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { logger } from './debug.js';
import { ERR_REAUTHORIZATION_REQUIRED, ERR_TOKEN_REFRESH_BUSY, WECHAT_ERRCODES, WechatLoginError, hasErrcode, } from './errors.js';
const log = logger('tokens');
/** Refresh tokens live 30 days from the authorization; refreshing does not extend them. */
export const REFRESH_TOKEN_LIFETIME_MS = 30 * 24 * 3600 * 1000;
/** The user must go through WeChat's authorization again (refresh token dead, grant gone, or wider scope needed). */
export class ReauthorizationRequiredError extends WechatLoginError {
    scope;
    constructor(reason, options = {}) {
        super(`WeChat authorization required: ${reason}`, { code: ERR_REAUTHORIZATION_REQUIRED, status: 401, cause: options.cause });
        this.scope = options.scope;
    }
}
/**
 * Tokens live in their own Redis hash per grant (one grant = one authorization = one session), never in the
 * session itself: express-session writes the whole session back at the end of each request, and a request
 * that started before a refresh would otherwise put the old tokens back.
 */
export function createTokenManager(options) {
    const { store, api, clock, skewMs, lockTtlMs, waitTimeoutMs } = options;
    const inFlight = new Map();
    const usable = (grant, refusedToken) => !grant.dead && grant.accessToken !== '' && grant.expiresAt - skewMs > clock.now() && grant.accessToken !== refusedToken;
    async function load(grantId) {
        const grant = await store.grants.get(grantId);
        if (!grant)
            throw new ReauthorizationRequiredError('the grant is gone (logged out or expired)');
        if (grant.dead)
            throw new ReauthorizationRequiredError('the refresh token was refused by WeChat');
        return grant;
    }
    async function refreshUnderLock(grantId, grant) {
        let result;
        try {
            result = await api.refreshToken(grant.refreshToken);
        }
        catch (error) {
            const { REFRESH_TOKEN_EXPIRED, INVALID_REFRESH_TOKEN } = WECHAT_ERRCODES;
            if (hasErrcode(error, REFRESH_TOKEN_EXPIRED, INVALID_REFRESH_TOKEN)) {
                await store.grants.markDead(grantId, grant.version);
                throw new ReauthorizationRequiredError(`refresh refused (${error.errcode})`, { cause: error });
            }
            throw error; // transient: the grant stays, the next request tries again
        }
        const updated = await store.grants.replaceTokens(grantId, grant.version, {
            accessToken: result.access_token,
            refreshToken: result.refresh_token || grant.refreshToken,
            expiresAt: clock.now() + result.expires_in * 1000,
            expiresIn: result.expires_in,
            scope: result.scope || grant.scope,
        });
        if (!updated)
            return load(grantId); // our lock had expired and someone else refreshed: theirs is newer
        await store.users.updateTokens(grant.userId, { accessToken: updated.accessToken, refreshToken: updated.refreshToken, expiresIn: updated.expiresIn }, clock.now());
        log('refreshed grant (version %d)', updated.version);
        return updated;
    }
    async function refreshOnce(grantId, refusedToken) {
        const owner = randomBytes(12).toString('hex');
        const deadline = Date.now() + waitTimeoutMs;
        let pause = 5;
        for (;;) {
            const grant = await load(grantId);
            if (usable(grant, refusedToken))
                return grant;
            if (grant.refreshExpiresAt <= clock.now()) {
                await store.grants.markDead(grantId, grant.version);
                throw new ReauthorizationRequiredError('the refresh token is older than 30 days');
            }
            if (await store.grants.tryLock(grantId, owner, lockTtlMs)) {
                try {
                    // Someone may have finished a refresh between our read and our lock.
                    const current = await load(grantId);
                    if (usable(current, refusedToken) || current.version !== grant.version)
                        return current;
                    return await refreshUnderLock(grantId, current);
                }
                finally {
                    await store.grants.unlock(grantId, owner).catch(() => undefined);
                }
            }
            // Another process is refreshing: poll the grant's version, which its compare-and-set bumps.
            if (Date.now() >= deadline) {
                throw new WechatLoginError('another request is still refreshing the WeChat token; try again', {
                    code: ERR_TOKEN_REFRESH_BUSY,
                    status: 503,
                });
            }
            await sleep(pause);
            pause = Math.min(pause * 2, 50);
            // A refused token we waited on has been replaced by the other refresh: that is our answer.
            if (refusedToken) {
                const after = await load(grantId);
                if (after.version !== grant.version && after.accessToken !== refusedToken && usable(after))
                    return after;
            }
        }
    }
    return {
        async createGrant(tokens, userId) {
            const now = clock.now();
            const refreshExpiresAt = now + REFRESH_TOKEN_LIFETIME_MS;
            const grantId = await store.grants.create({
                accessToken: tokens.access_token,
                refreshToken: tokens.refresh_token,
                expiresAt: now + tokens.expires_in * 1000,
                refreshExpiresAt,
                expiresIn: tokens.expires_in,
                scope: tokens.scope,
                openid: tokens.openid,
                userId,
            }, REFRESH_TOKEN_LIFETIME_MS);
            return { grantId, refreshExpiresAt };
        },
        async getAccessToken(grantId, { refusedToken } = {}) {
            const grant = await load(grantId);
            if (usable(grant, refusedToken))
                return grant;
            // One refresh per grant per process; other processes are held off by the Redis lock.
            const key = `${grantId}\u0000${refusedToken ?? ''}`;
            let pending = inFlight.get(key);
            if (!pending) {
                pending = refreshOnce(grantId, refusedToken).finally(() => inFlight.delete(key));
                inFlight.set(key, pending);
            }
            return pending;
        },
        async revoke(grantId) {
            await store.grants.delete(grantId);
        },
    };
}
//# sourceMappingURL=tokens.js.map