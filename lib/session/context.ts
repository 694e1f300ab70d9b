import type { Request } from 'express';
import type { WechatAppKind, WechatApps } from '../wechat/apps.js';
import type { Clock } from '../clock.js';
import { WECHAT_ERRCODES, hasErrcode } from '../errors.js';
import { grantStatusOf, type GrantStatus } from './grant-status.js';
import { destroySession, saveSession } from './session.js';
import { hasUserinfoScope } from '../wechat/service.js';
import type { SessionLogin, WechatAccount, WechatStore } from '../store/types.js';
import { ReauthorizationRequiredError, type TokenManager } from '../tokens/token-manager.js';
import type { WechatPublicAuthModel, WechatPublicUser } from '../store/user-model.js';
import type { WechatLang, WechatScope, WechatUserInfoResponse } from '../wechat/types.js';

export interface ContextDependencies {
  tokens: TokenManager;
  /** Each app's client: a login's profile is read with the app it came through. */
  apps: WechatApps;
  store: WechatStore;
  lang: WechatLang;
  clock: Clock;
}

export interface GetTokenOptions {
  /** WeChat refused the token you had (40001/42001): get a refreshed one. Use once per request. */
  forceRefresh?: boolean;
}

/** `req.wechat`: who is logged in, and their WeChat access token on demand. */
export class WechatRequestContext {
  // Private fields rather than WeakMaps: one of these is built per request, and WeakMap entries cost the GC.
  readonly #req: Request;
  readonly #deps: ContextDependencies;
  /** The last token this request handed out: the one WeChat refused when forceRefresh is asked for. */
  #lastToken: string | undefined;

  constructor(req: Request, deps: ContextDependencies) {
    this.#req = req;
    this.#deps = deps;
  }

  private get data() {
    return this.#req.session?.wechat;
  }

  private get login(): SessionLogin | undefined {
    return this.data?.login;
  }

  /** The user record as of login, without tokens; null when nobody is logged in. */
  get user(): WechatPublicUser | null {
    return this.login ? (this.data?.user ?? null) : null;
  }

  /** The openid of the app this login came through (each app has its own; all are in `user.openids`). */
  get openid(): string | null {
    const user = this.user;
    if (!user) return null;
    return user.openids?.[this.#deps.apps.byKind(this.login?.app).appId] ?? user.openid;
  }

  /** Which app this login came through: `'official'` (the Official Account, in WeChat) or `'website'` (the website app's QR page); null when nobody is logged in. */
  get app(): WechatAppKind | null {
    const login = this.login;
    return login ? (login.app ?? 'official') : null;
  }

  get unionid(): string | null {
    return this.user?.unionid ?? null;
  }

  get scope(): WechatScope | null {
    return this.login?.scope ?? null;
  }

  /**
   * What `onLogin` returned: your own account for this WeChat user (undefined when nobody is logged in). Typed
   * by declaring `account` in `WechatLoginTypes`.
   */
  get account(): WechatAccount | undefined {
    return this.login?.account;
  }

  /**
   * The logged-in user, for handlers behind `requireWechatUser()` where someone always is: no `| null` to check.
   * Throws ReauthorizationRequiredError (401; the guard's error handler sends the browser through authorization)
   * when nobody is.
   */
  requireUser(): WechatPublicUser {
    const user = this.user;
    if (!user) throw new ReauthorizationRequiredError('nobody is logged in');
    return user;
  }

  /** Logged in, and the login can still get tokens: WeChat has not refused its refresh token, nor is it 30 days old. */
  isAuthenticated(): boolean {
    const login = this.login;
    if (!login || this.data?.reauthorize) return false;
    return login.refreshExpiresAt > this.#deps.clock.now();
  }

  /**
   * isAuthenticated(), confirmed against the store. Another request may have found the refresh token refused
   * while this session was in use elsewhere; express-session then writes back whole sessions from before the
   * refusal, losing its "authorize again" note. The grant in the store cannot be overwritten that way. One
   * store read; restores the note when it was lost.
   */
  async checkAuthenticated(): Promise<boolean> {
    const login = this.login;
    if (!login || !this.isAuthenticated()) return false;
    const req = this.#req;
    if ((await this.grantStatus(login.grantId)).alive) return true;
    await this.requireReauthorization(req, login.scope);
    return false;
  }

  /**
   * When the current access token expires (ms since epoch), or null when nobody is logged in. Free when the
   * session was read from Redis by this package (the read carries it); one small read otherwise. No tokens move.
   */
  async accessTokenExpiresAt(): Promise<number | null> {
    const login = this.login;
    if (!login) return null;
    const status = await this.grantStatus(login.grantId);
    return status.alive ? status.accessTokenExpiresAt : null;
  }

  /** The grant's liveness from the session read when it has it, else from the store (without tokens). */
  private async grantStatus(grantId: string): Promise<GrantStatus> {
    const req = this.#req;
    const deps = this.#deps;
    const known = grantStatusOf(req.session?.wechat);
    if (known?.grantId === grantId) return known;
    const status = await deps.store.grants.status(grantId);
    return { grantId, alive: status !== null && !status.dead, accessTokenExpiresAt: status?.expiresAt ?? null };
  }

  /** The user's current record from the store (with tokens: keep it server side). */
  async loadUser(): Promise<WechatPublicAuthModel | null> {
    const login = this.login;
    return login ? this.#deps.store.users.findById(login.userId) : null;
  }

  /**
   * A valid WeChat access token, refreshed first if it expired (once across all processes).
   * Throws ReauthorizationRequiredError (401) when the user must authorize again, and a 503 error when
   * WeChat or Redis is briefly unavailable (the user stays logged in).
   *
   * @example
   * const token = await req.wechat.getAccessToken();
   */
  async getAccessToken(options: GetTokenOptions = {}): Promise<string> {
    const req = this.#req;
    const deps = this.#deps;
    const login = this.login;
    if (!login || this.data?.reauthorize) throw new ReauthorizationRequiredError('not logged in');
    const refusedToken = options.forceRefresh ? this.#lastToken ?? (await deps.store.grants.get(login.grantId))?.accessToken : undefined;
    try {
      const grant = await deps.tokens.getValidGrant(login.grantId, refusedToken ? { refusedToken } : {});
      this.#lastToken = grant.accessToken;
      return grant.accessToken;
    } catch (error) {
      if (error instanceof ReauthorizationRequiredError) await this.requireReauthorization(req, login.scope);
      throw error;
    }
  }

  /**
   * A fresh profile from /sns/userinfo. A base-scope login is sent through authorization with the wider
   * scope (ReauthorizationRequiredError with scope 'snsapi_userinfo') instead of failing with 48001.
   */
  async fetchUserInfo(): Promise<WechatUserInfoResponse> {
    const deps = this.#deps;
    const login = this.login;
    if (!login) throw new ReauthorizationRequiredError('not logged in');
    if (!hasUserinfoScope(login.scope)) {
      throw new ReauthorizationRequiredError('the profile needs snsapi_userinfo', { scope: 'snsapi_userinfo' });
    }
    const call = async (forceRefresh: boolean) =>
      deps.apps.byKind(login.app).api.fetchUserInfo(await this.getAccessToken({ forceRefresh }), this.openid!, deps.lang);
    try {
      return await call(false);
    } catch (error) {
      const { INVALID_CREDENTIAL, ACCESS_TOKEN_EXPIRED, API_UNAUTHORIZED } = WECHAT_ERRCODES;
      if (hasErrcode(error, INVALID_CREDENTIAL, ACCESS_TOKEN_EXPIRED)) return call(true);
      if (hasErrcode(error, API_UNAUTHORIZED)) {
        throw new ReauthorizationRequiredError('WeChat refused the profile (48001)', { scope: 'snsapi_userinfo', cause: error });
      }
      throw error;
    }
  }

  /** Ends the login: forgets the tokens and destroys the session. */
  async logout(): Promise<void> {
    const req = this.#req;
    const deps = this.#deps;
    const grantId = this.login?.grantId;
    if (grantId) await deps.tokens.revoke(grantId);
    if (req.session) await destroySession(req);
  }

  private async requireReauthorization(req: Request, scope: WechatScope): Promise<void> {
    const data = req.session?.wechat;
    if (!data?.login) return;
    data.reauthorize = { scope };
    await saveSession(req).catch(() => undefined);
  }
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by the router of createWechatLogin(). */
      wechat: WechatRequestContext;
    }
  }
}
