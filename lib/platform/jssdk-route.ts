import type { Request, RequestHandler, Response } from 'express';
import type { Clock } from '../clock.js';
import { logger } from '../debug.js';
import type { Site } from '../http/site.js';
import { newNonceStr, signJsSdk } from './sign.js';
import type { WechatPlatform } from './platform.js';

const log = logger('jssdk');

/** The path below the routes' prefix. */
export const JSSDK_CONFIG_ROUTE = '/jssdk-config';
const MAX_URL_LENGTH = 4096;

export interface JsSdkConfig {
  appId: string;
  /** Whole seconds. */
  timestamp: number;
  nonceStr: string;
  signature: string;
}

export interface JsSdkRouteDependencies {
  appId: string;
  platform: WechatPlatform;
  site: Pick<Site, 'originOf'>;
  clock: Clock;
}

/**
 * GET {prefix}/jssdk-config?url=<the page's full URL> → what wx.config needs. Only pages of our own origin are
 * signed: anything else is a 400 before WeChat is asked for anything. Never cached (a nonce and a timestamp).
 */
export function jssdkConfigRoute({ appId, platform, site, clock }: JsSdkRouteDependencies): RequestHandler {
  return async function jssdkConfig(req: Request, res: Response, next) {
    res.set('Cache-Control', 'no-store');
    const url = pageUrlOf(req, site.originOf(req));
    if (typeof url !== 'string') return void res.status(400).json({ error: 'invalid_url', message: url.message });
    try {
      const jsapiTicket = await platform.getJsapiTicket();
      const timestamp = Math.floor(clock.now() / 1000);
      const nonceStr = newNonceStr();
      const body: JsSdkConfig = { appId, timestamp, nonceStr, signature: signJsSdk({ jsapiTicket, nonceStr, timestamp, url }) };
      res.json(body);
    } catch (error) {
      const e = error as { code?: unknown; name?: unknown; message?: unknown };
      if (typeof e?.code !== 'string' || !e.code.startsWith('ERR_WECHAT')) return next(error);
      // WeChat or Redis said no (busy, a hang past the timeout, a quota): the page may try again; nothing leaks.
      log('jssdk-config failed: %s (%s)', e.name, e.code);
      res.status(503).set('Retry-After', '5').json({ error: 'jssdk_unavailable' });
    }
  };
}

/** The `url` parameter when it is an http(s) URL of `origin` (as the browser has it), else why not. */
function pageUrlOf(req: Request, origin: string): string | { message: string } {
  const raw = req.query.url;
  if (typeof raw !== 'string' || raw === '') return { message: 'url is required: the page\'s full URL (location.href)' };
  if (raw.length > MAX_URL_LENGTH) return { message: 'url is too long' };
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return { message: 'url must be an absolute http(s) URL' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { message: 'url must be an absolute http(s) URL' };
  if (!/^https?:\/\/[^/?#]/i.test(raw) || parsed.username || parsed.password) return { message: 'url must be an absolute http(s) URL' };
  if (parsed.origin !== origin) return { message: 'url must be a page of this site' };
  return raw;
}
