import { WECHAT_ERRCODES, hasErrcode } from './errors.js';
import { destroySession, saveSession } from './session.js';
import { hasUserinfoScope } from './service.js';
import { ReauthorizationRequiredError } from './tokens.js';
const lastTokens = new WeakMap();
const requests = new WeakMap();
/** `req.wechat`: who is logged in, and their WeChat access token on demand. */
export class WechatRequestContext {
    constructor(req, deps) {
        requests.set(this, { req, deps });
    }
    get data() {
        return requests.get(this).req.session?.wechat;
    }
    get login() {
        return this.data?.login;
    }
    /** The user record as of login, without tokens; null when nobody is logged in. */
    get user() {
        return this.login ? (this.data?.user ?? null) : null;
    }
    get openid() {
        return this.login?.openid ?? null;
    }
    get unionid() {
        return this.login?.unionid ?? null;
    }
    get scope() {
        return this.login?.scope ?? null;
    }
    /** What `onLogin` returned: your own account for this WeChat user. */
    get account() {
        return this.login?.account;
    }
    /** Logged in, and the login can still get tokens: WeChat has not refused its refresh token, nor is it 30 days old. */
    isAuthenticated() {
        const login = this.login;
        if (!login || this.data?.reauthorize)
            return false;
        return login.refreshExpiresAt > requests.get(this).deps.clock.now();
    }
    /** The user's current record from the store (with tokens: keep it server side). */
    async loadUser() {
        const login = this.login;
        return login ? requests.get(this).deps.store.users.findById(login.userId) : null;
    }
    /**
     * A valid WeChat access token, refreshed first if it expired (once across all processes).
     * Throws ReauthorizationRequiredError (401) when the user must authorize again, and a 503 error when
     * WeChat or Redis is briefly unavailable (the user stays logged in).
     *
     * @example
     * const token = await req.wechat.getAccessToken();
     */
    async getAccessToken(options = {}) {
        const { req, deps } = requests.get(this);
        const login = this.login;
        if (!login || this.data?.reauthorize)
            throw new ReauthorizationRequiredError('not logged in');
        const refusedToken = options.forceRefresh ? lastTokens.get(this) ?? (await deps.store.grants.get(login.grantId))?.accessToken : undefined;
        try {
            const grant = await deps.tokens.getAccessToken(login.grantId, refusedToken ? { refusedToken } : {});
            lastTokens.set(this, grant.accessToken);
            return grant.accessToken;
        }
        catch (error) {
            if (error instanceof ReauthorizationRequiredError)
                await this.requireReauthorization(req, login.scope);
            throw error;
        }
    }
    /**
     * A fresh profile from /sns/userinfo. A base-scope login is sent through authorization with the wider
     * scope (ReauthorizationRequiredError with scope 'snsapi_userinfo') instead of failing with 48001.
     */
    async fetchUserInfo() {
        const { deps } = requests.get(this);
        const login = this.login;
        if (!login)
            throw new ReauthorizationRequiredError('not logged in');
        if (!hasUserinfoScope(login.scope)) {
            throw new ReauthorizationRequiredError('the profile needs snsapi_userinfo', { scope: 'snsapi_userinfo' });
        }
        const call = async (forceRefresh) => deps.api.fetchUserInfo(await this.getAccessToken({ forceRefresh }), login.openid, deps.lang);
        try {
            return await call(false);
        }
        catch (error) {
            const { INVALID_CREDENTIAL, ACCESS_TOKEN_EXPIRED, API_UNAUTHORIZED } = WECHAT_ERRCODES;
            if (hasErrcode(error, INVALID_CREDENTIAL, ACCESS_TOKEN_EXPIRED))
                return call(true);
            if (hasErrcode(error, API_UNAUTHORIZED)) {
                throw new ReauthorizationRequiredError('WeChat refused the profile (48001)', { scope: 'snsapi_userinfo', cause: error });
            }
            throw error;
        }
    }
    /** Ends the login: forgets the tokens and destroys the session. */
    async logout() {
        const { req, deps } = requests.get(this);
        const grantId = this.login?.grantId;
        if (grantId)
            await deps.tokens.revoke(grantId);
        if (req.session)
            await destroySession(req);
    }
    async requireReauthorization(req, scope) {
        const data = req.session?.wechat;
        if (!data?.login)
            return;
        data.reauthorize = { scope };
        await saveSession(req).catch(() => undefined);
    }
}
//# sourceMappingURL=context.js.map