import express, { type Express } from 'express';
import { createWechatLogin, type Clock, type WechatLogin } from '../../lib/index.js';
import { PUBLIC_URL, SESSION_SECRET, type HostConfig } from './shared.js';

/**
 * The app a user of this package writes: the router, a guarded JSON route returning req.wechat.user, and a
 * route that needs the access token (the one that refreshes transparently). Nothing else.
 */
export function createOursApp(config: HostConfig, clock: Clock): { app: Express; wechat: WechatLogin } {
  const wechat = createWechatLogin(
    {
      appId: config.appId,
      appSecret: config.appSecret,
      redis: config.redisUrl,
      session: { secret: SESSION_SECRET },
      publicUrl: PUBLIC_URL,
      apiBaseUrl: config.emulatorUrl,
      authorizeBaseUrl: config.emulatorUrl,
      clock,
      // The bench's browsers all log in from 127.0.0.1, far past any per-address limit: it measures logins, not the limiter.
      rateLimit: false,
    },
    { warn: () => undefined },
  );
  const app = express();
  app.disable('x-powered-by');
  app.use(wechat.router);
  app.get('/api/me', wechat.requireWechatUser(), (req, res) => void res.json(req.wechat.user));
  app.get('/api/token', wechat.requireWechatUser(), async (req, res) => void res.json({ token: await req.wechat.getAccessToken() }));
  app.use(wechat.errorHandler());
  return { app, wechat };
}
