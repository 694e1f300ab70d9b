import express, { type Express } from 'express';
import { Redis } from 'ioredis';
import passport from 'passport';
import WechatStrategy from 'passport-wechat';
import { CALLBACK_PATH, LOGIN_PATH, LOGOUT_PATH, PUBLIC_URL, comparisonSession, type HostConfig } from './shared.js';

const WECHAT_API = 'https://api.weixin.qq.com';
const WECHAT_OPEN = 'https://open.weixin.qq.com';
const TOKEN_TTL_MS = 30 * 24 * 3600 * 1000;

interface WechatProfile {
  openid: string;
  unionid?: string;
  nickname?: string;
  headimgurl?: string;
}

/**
 * What a user would build instead: passport + passport-wechat 2 on the same express-session + connect-redis
 * options, the same Redis and the same emulator, with a guarded GET /api/me returning req.user.
 *
 * Set up as its README suggests, plus what production needs and the benchmark demands:
 * - passport-wechat hands all HTTP to wechat-oauth, whose URLs are hard-coded (https://api.weixin.qq.com/sns/...,
 *   https://open.weixin.qq.com/connect/oauth2/authorize) with no option to change them. We replace two methods
 *   on the strategy's `_oauth` instance (`request`, which every API call goes through, and `getAuthorizeURL`)
 *   with wrappers that swap the origin for the emulator's. Nothing else in either package is changed.
 * - wechat-oauth keeps tokens in process memory unless given getToken/saveToken (and warns in production):
 *   we keep them in Redis, one key per openid, as a multi-process deployment must.
 * - The verify callback stores the profile in Redis (one hash per openid), as an app would in its user table,
 *   and the whole profile goes into the session (serializeUser), so the guard needs no user lookup.
 * Differences that stay, because they are the package's: no `state` check (the constant `state` option is
 * all it offers, so no CSRF protection of the callback), no token refresh until getUser() is called, and
 * wechat-oauth's urllib uses an agent without keep-alive (a new connection per WeChat call).
 */
export function createPassportApp(config: HostConfig): { app: Express; close(): Promise<void> } {
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 2_000 });
  const authenticator = new passport.Passport();

  const strategy = new WechatStrategy(
    {
      appID: config.appId,
      appSecret: config.appSecret,
      client: 'wechat',
      scope: 'snsapi_userinfo',
      state: 'bench',
      callbackURL: `${PUBLIC_URL}${CALLBACK_PATH}`,
      getToken(openid: string, callback: (error: unknown, token?: unknown) => void) {
        redis.get(`pp:token:${openid}`).then((text) => callback(null, text ? JSON.parse(text) : undefined), callback);
      },
      saveToken(openid: string, token: unknown, callback: (error: unknown) => void) {
        redis.set(`pp:token:${openid}`, JSON.stringify(token), 'PX', TOKEN_TTL_MS).then(() => callback(null), callback);
      },
    },
    (_accessToken: string, _refreshToken: string, profile: WechatProfile, _expiresIn: number, done: (error: unknown, user?: unknown) => void) => {
      const user = { openid: profile.openid, unionid: profile.unionid ?? null, nickname: profile.nickname ?? null, headimgurl: profile.headimgurl ?? null };
      const fields = Object.fromEntries(Object.entries(user).filter(([, v]) => v !== null)) as Record<string, string>;
      redis.hset(`pp:user:${profile.openid}`, { ...fields, updatedAt: String(Date.now()) }).then(() => done(null, user), done);
    },
  );
  pointAtEmulator(strategy, config.emulatorUrl);
  authenticator.use(strategy);
  authenticator.serializeUser((user, done) => done(null, user));
  authenticator.deserializeUser((user: Express.User, done) => done(null, user));

  const app = express();
  app.disable('x-powered-by');
  app.use(comparisonSession(redis, 'pp:sess:'));
  app.use(authenticator.initialize());
  app.use(authenticator.session());
  app.get(LOGIN_PATH, authenticator.authenticate('wechat'));
  app.get(CALLBACK_PATH, authenticator.authenticate('wechat', { failureRedirect: '/login-failed' }), (_req, res) => res.redirect(302, '/'));
  app.post(LOGOUT_PATH, (req, res, next) => {
    req.logout((error) => (error ? next(error) : req.session.destroy(() => res.status(204).end())));
  });
  app.get('/api/me', (req, res) => {
    if (!req.isAuthenticated()) return void res.status(401).json({ error: 'login_required' });
    res.json(req.user);
  });
  return { app, close: async () => void (await redis.quit()) };
}

/** See above: wechat-oauth has no base-URL option, so its two URL-building methods are wrapped on this instance. */
function pointAtEmulator(strategy: WechatStrategy, emulatorUrl: string): void {
  const oauth = strategy._oauth;
  const request = oauth.request;
  const authorizeUrl = oauth.getAuthorizeURL;
  oauth.request = function (this: unknown, url: string, ...rest: unknown[]) {
    return request.call(this, url.replace(WECHAT_API, emulatorUrl), ...rest);
  };
  oauth.getAuthorizeURL = function (this: unknown, ...args: unknown[]) {
    return authorizeUrl.apply(this, args).replace(WECHAT_OPEN, emulatorUrl);
  };
}
