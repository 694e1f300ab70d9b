import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorApp } from '../fixtures.js';
import { readBody, sendWechatError, sendWechatJson } from '../http-util.js';
import { PLATFORM_ERRORS, type PlatformState } from './platform-state.js';

export type PlatformEndpoint = 'stable_token' | 'token' | 'getticket';

export const PLATFORM_PATHS: Readonly<Record<string, PlatformEndpoint>> = {
  '/cgi-bin/stable_token': 'stable_token',
  '/cgi-bin/token': 'token',
  '/cgi-bin/ticket/getticket': 'getticket',
};

/** Where the stand-in for WeChat's `jweixin-1.6.0.js` is served, as res.wx.qq.com serves the real one. */
export const JWEIXIN_PATH = '/open/js/jweixin-1.6.0.js';
/** Where the stand-in checks a `wx.config` signature (the real script asks WeChat's servers too). */
export const JSSDK_VERIFY_PATH = '/__emulator/jssdk/verify';

export interface PlatformContext {
  apps: ReadonlyMap<string, EmulatorApp>;
  platform: PlatformState;
}

/** /cgi-bin/*: the app access token (two ways) and the JS-SDK ticket. Every answer is HTTP 200, errors included. */
export async function handlePlatform(endpoint: PlatformEndpoint, req: IncomingMessage, query: URLSearchParams, ctx: PlatformContext, res: ServerResponse): Promise<void> {
  if (endpoint === 'stable_token') {
    // WeChat takes a JSON body here (not the query string), POST only.
    if (req.method !== 'POST') return sendWechatError(res, { errcode: 43002, errmsg: 'require POST method' });
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(await readBody(req));
      body = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
    } catch {
      return sendWechatError(res, { errcode: 47001, errmsg: 'data format error' });
    }
    const app = credentialsOf(ctx, body.appid, body.secret, body.grant_type, res);
    if (!app) return;
    const outcome = ctx.platform.stableToken(app, body.force_refresh === true);
    return outcome.ok ? sendWechatJson(res, outcome.value) : sendWechatError(res, outcome.error);
  }
  if (endpoint === 'token') {
    const app = credentialsOf(ctx, query.get('appid'), query.get('secret'), query.get('grant_type'), res);
    if (app) sendWechatJson(res, ctx.platform.plainToken(app));
    return;
  }
  const accessToken = query.get('access_token');
  if (!accessToken) return sendWechatError(res, PLATFORM_ERRORS.missingAccessToken);
  const checked = ctx.platform.checkToken(accessToken);
  if (!checked.ok) return sendWechatError(res, checked.error);
  if (query.get('type') !== 'jsapi') return sendWechatError(res, PLATFORM_ERRORS.invalidType);
  sendWechatJson(res, { errcode: 0, errmsg: 'ok', ...ctx.platform.ticket(checked.value) });
}

function credentialsOf(ctx: PlatformContext, appid: unknown, secret: unknown, grantType: unknown, res: ServerResponse): EmulatorApp | undefined {
  if (grantType !== 'client_credential') return void sendWechatError(res, PLATFORM_ERRORS.invalidGrantType);
  const app = typeof appid === 'string' ? ctx.apps.get(appid) : undefined;
  if (!app || app.kind === 'website') return void sendWechatError(res, PLATFORM_ERRORS.invalidAppid);
  if (secret !== app.appSecret) return void sendWechatError(res, PLATFORM_ERRORS.invalidAppsecret);
  return app;
}

/** The page's check of a wx.config, for the stand-in script: `{ ok }`. Any origin may ask (the page is the app's). */
export async function handleJssdkVerify(req: IncomingMessage, ctx: PlatformContext, res: ServerResponse): Promise<void> {
  const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': 'content-type', 'Access-Control-Allow-Methods': 'POST' };
  if (req.method === 'OPTIONS') {
    res.writeHead(204, cors);
    return void res.end();
  }
  let ok = false;
  try {
    const body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : String(body[name] ?? ''));
    ok = ctx.platform.verifySignature(text('appId'), { nonceStr: text('nonceStr'), timestamp: text('timestamp'), url: text('url'), signature: text('signature') });
  } catch {
    ok = false;
  }
  const answer = JSON.stringify({ ok });
  res.writeHead(200, { ...cors, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(answer) });
  res.end(answer);
}

/**
 * A small stand-in for WeChat's jweixin: `wx.config` sends its values and the page's URL to the emulator, which
 * checks the signature against the app's live ticket; then `wx.ready` or `wx.error` callbacks run, as in WeChat.
 * `wx.emulatorVerified` tells a page (or a test) the outcome.
 */
export function jweixinScript(): string {
  return `(function () {
  var src = document.currentScript && document.currentScript.src;
  var base = src ? new URL(src).origin : '';
  var readyFns = [], errorFns = [], state = 'idle', lastError;
  function settle(ok, error) {
    state = ok ? 'ready' : 'error';
    wx.emulatorVerified = ok;
    lastError = error;
    (ok ? readyFns : errorFns).splice(0).forEach(function (fn) { ok ? fn() : fn(error); });
  }
  var wx = {
    emulatorVerified: undefined,
    config: function (c) {
      state = 'checking';
      fetch(base + '${JSSDK_VERIFY_PATH}', { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ appId: c.appId, timestamp: c.timestamp, nonceStr: c.nonceStr, signature: c.signature, url: location.href }) })
        .then(function (r) { return r.json(); })
        .then(function (a) { settle(a.ok === true, a.ok ? undefined : { errMsg: 'config:invalid signature' }); },
              function () { settle(false, { errMsg: 'config:fail' }); });
    },
    ready: function (fn) { if (state === 'ready') fn(); else readyFns.push(fn); },
    error: function (fn) { if (state === 'error') fn(lastError); else errorFns.push(fn); }
  };
  window.wx = window.jWeixin = wx;
})();
`;
}
