import type { Request } from 'express';
import { isWechatBrowser } from './client/user-agent.js';

/** API-style requests get 401 JSON, never a redirect they cannot follow. */
export function wantsJson(req: Request): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return true;
  if (req.get('x-requested-with')?.toLowerCase() === 'xmlhttprequest') return true;
  return req.accepts(['html', 'json']) === 'json';
}

/** WeChat's in-app browser (not WeCom: an Official Account login does not belong there). */
export function isInWechat(req: Request): boolean {
  return isWechatBrowser(req.get('user-agent') ?? '');
}
