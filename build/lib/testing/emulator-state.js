import { derivedId, randomId } from './ids.js';
export const CODE_TTL_MS = 5 * 60 * 1000;
export const ACCESS_TOKEN_TTL_S = 7200;
export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;
export const ERRORS = {
    systemError: { errcode: -1, errmsg: 'system error' },
    invalidCredential: { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' },
    invalidGrantType: { errcode: 40002, errmsg: 'invalid grant_type' },
    invalidOpenid: { errcode: 40003, errmsg: 'invalid openid' },
    invalidAppid: { errcode: 40013, errmsg: 'invalid appid' },
    invalidCode: { errcode: 40029, errmsg: 'invalid code' },
    invalidRefreshToken: { errcode: 40030, errmsg: 'invalid refresh_token' },
    invalidAppsecret: { errcode: 40125, errmsg: 'invalid appsecret' },
    codeUsed: { errcode: 40163, errmsg: 'code been used' },
    missingAccessToken: { errcode: 41001, errmsg: 'access_token missing' },
    missingAppid: { errcode: 41002, errmsg: 'appid missing' },
    missingRefreshToken: { errcode: 41003, errmsg: 'refresh_token missing' },
    missingSecret: { errcode: 41004, errmsg: 'appsecret missing' },
    missingCode: { errcode: 41008, errmsg: 'missing code' },
    missingOpenid: { errcode: 41009, errmsg: 'missing openid' },
    accessTokenExpired: { errcode: 42001, errmsg: 'access_token expired' },
    refreshTokenExpired: { errcode: 42002, errmsg: 'refresh_token timeout' },
    apiUnauthorized: { errcode: 48001, errmsg: 'api unauthorized' },
};
/** The real, stable openid of a user for an app. */
export function openidOf(userId, appId) {
    return derivedId('openid', appId, userId);
}
/** Codes, grants and tokens with their lifetimes, all measured on the emulator's clock. */
export class EmulatorState {
    options;
    codes = new Map();
    refreshTokens = new Map();
    accessTokens = new Map();
    issuedSinceSweep = 0;
    constructor(options) {
        this.options = options;
    }
    issueCode(app, user, scope) {
        this.sweepCodes();
        const code = randomId(32);
        this.codes.set(code, { app, user, scope, issuedAt: this.now(), used: false });
        return code;
    }
    exchangeCode(app, code) {
        const record = this.codes.get(code);
        // A code issued to another app is as unknown to this one as a made-up code.
        if (!record || record.app.appId !== app.appId)
            return fail(ERRORS.invalidCode);
        if (record.used)
            return fail(ERRORS.codeUsed);
        // The doc also lists 42003 "oauth code expired"; WeChat is observed to answer 40029 for expired codes.
        if (this.now() >= record.issuedAt + CODE_TTL_MS)
            return fail(ERRORS.invalidCode);
        record.used = true;
        const { user, scope } = record;
        const snapshot = user.snapshot === true;
        const grant = {
            app,
            user,
            scope,
            // Snapshot visitors get a virtual identity, never the user's real openid.
            openid: snapshot ? derivedId('snapshot-openid', app.appId, user.id) : openidOf(user.id, app.appId),
            authorizedAt: this.now(),
            refreshToken: '',
            accessToken: '',
        };
        if (scope === 'snsapi_userinfo' && app.openPlatform && user.unionid) {
            grant.unionid = snapshot ? derivedId('snapshot-unionid', app.appId, user.id) : user.unionid;
        }
        grant.refreshToken = this.newRefreshToken(grant);
        this.newAccessToken(grant);
        const response = this.tokenResponse(grant);
        if (grant.unionid)
            response.unionid = grant.unionid;
        if (snapshot)
            response.is_snapshotuser = 1;
        return { ok: true, value: response };
    }
    refresh(app, refreshToken) {
        const grant = this.refreshTokens.get(refreshToken);
        if (!grant || grant.app.appId !== app.appId)
            return fail(ERRORS.invalidRefreshToken);
        if (this.now() >= grant.authorizedAt + REFRESH_TOKEN_TTL_MS)
            return fail(ERRORS.refreshTokenExpired);
        if (this.options.refreshTokenRotation === 'rotate') {
            this.refreshTokens.delete(refreshToken);
            grant.refreshToken = this.newRefreshToken(grant);
        }
        // A grant has one live access token: refreshing revokes the previous one (40001). WeChat does not
        // promise either way; the strict choice makes "lost update" bugs (two requests refreshing at once,
        // one storing a token the other already replaced) fail loudly in tests instead of in production.
        this.accessTokens.delete(grant.accessToken);
        this.newAccessToken(grant);
        return { ok: true, value: this.tokenResponse(grant) };
    }
    /** The grant behind an access token, if the token is live and belongs to `openid`. */
    checkAccessToken(accessToken, openid) {
        const record = this.accessTokens.get(accessToken);
        if (!record)
            return fail(ERRORS.invalidCredential);
        if (this.now() >= record.expiresAt)
            return fail(ERRORS.accessTokenExpired);
        if (record.grant.openid !== openid)
            return fail(ERRORS.invalidOpenid);
        return { ok: true, value: record.grant };
    }
    tokenResponse(grant) {
        return {
            access_token: grant.accessToken,
            expires_in: ACCESS_TOKEN_TTL_S,
            refresh_token: grant.refreshToken,
            openid: grant.openid,
            scope: grant.scope,
        };
    }
    newRefreshToken(grant) {
        const token = randomId(86);
        this.refreshTokens.set(token, grant);
        return token;
    }
    newAccessToken(grant) {
        const token = randomId(86);
        grant.accessToken = token;
        this.accessTokens.set(token, { grant, expiresAt: this.now() + ACCESS_TOKEN_TTL_S * 1000 });
    }
    /** Benchmarks issue codes by the hundred thousand; forget the long-dead ones now and then. */
    sweepCodes() {
        if (++this.issuedSinceSweep < 1000)
            return;
        this.issuedSinceSweep = 0;
        const horizon = this.now() - 2 * CODE_TTL_MS;
        for (const [code, record] of this.codes)
            if (record.issuedAt < horizon)
                this.codes.delete(code);
    }
    now() {
        return this.options.clock.now();
    }
}
function fail(error) {
    return { ok: false, error };
}
//# sourceMappingURL=emulator-state.js.map