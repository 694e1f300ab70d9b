import type { Request } from 'express';
import { isWechatBrowser } from '../client/user-agent.js';

/** API-style requests get 401 JSON, never a redirect they cannot follow. */
export function wantsJson(req: Request): boolean {
  return (req.method !== 'GET' && req.method !== 'HEAD') || prefersJson(req);
}

/** XHR, or an Accept header that ranks JSON above HTML (a browser form post ranks HTML first). */
export function prefersJson(req: Request): boolean {
  if (req.get('x-requested-with')?.toLowerCase() === 'xmlhttprequest') return true;
  return req.accepts(['html', 'json']) === 'json';
}

/** WeChat's in-app browser (not WeCom: an Official Account login does not belong there). */
export function isInWechat(req: Request): boolean {
  return isWechatBrowser(req.get('user-agent') ?? '');
}
