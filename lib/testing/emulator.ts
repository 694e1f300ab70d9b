import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../clock.js';
import { parseAuthorizeQuery } from './authorize-request.js';
import { completeAuthorization, handleAuthorize, handleConfirm, type AuthorizeContext, type Consent } from './authorize-routes.js';
import { AVATAR_SIZES, avatarSvg } from './avatar.js';
import { CONFIRM_PATH } from './consent-page.js';
import { QRCONNECT_CONFIRM_PATH, QRCONNECT_PATH } from './qrconnect-page.js';
import { CONTROL_PREFIX, handleControl } from './control-routes.js';
import { EmulatorState, openidOf } from './emulator-state.js';
import { resolveEmulatorOptions, type WechatEmulatorOptions } from './emulator-options.js';
import { applyFault, ENDPOINTS, FaultQueue, type EmulatorEndpoint, type EmulatorFault, type FaultOptions } from './faults.js';
import type { EmulatorApp, EmulatorUser } from './fixtures.js';
import { sendWechatJson } from './http-util.js';
import { SNS_PATHS, snsHandlers } from './sns-routes.js';
import { PlatformState } from './cgi-bin/platform-state.js';
import { handleJssdkVerify, handlePlatform, JSSDK_VERIFY_PATH, JWEIXIN_PATH, jweixinScript, PLATFORM_PATHS } from './cgi-bin/platform-routes.js';

export { JWEIXIN_PATH };

export const AUTHORIZE_PATH = '/connect/oauth2/authorize';
export { QRCONNECT_PATH };

/** A running WeChat stand-in: api.weixin.qq.com and open.weixin.qq.com on one local port. */
export interface WechatEmulator {
  /** e.g. `http://127.0.0.1:54321` */
  url: string;
  /** Stands for `https://api.weixin.qq.com`; same as `url`. */
  apiBaseUrl: string;
  /** Stands for `https://open.weixin.qq.com`; same as `url`. */
  authorizeBaseUrl: string;
  /** With defaults filled in (domains, openPlatform). */
  apps: EmulatorApp[];
  /** With emulator-served avatars (`/avatar/...`) resolved to absolute URLs. */
  users: EmulatorUser[];
  /** `apps[0]` */
  defaultApp: EmulatorApp;
  /** The first website app of `apps` (by default DEFAULT_EMULATOR_WEBSITE_APP), if any. */
  websiteApp: EmulatorApp | undefined;
  clock: Clock;
  /** Live counters (the same object throughout); calls answered with a fault count too. */
  calls: Record<EmulatorEndpoint, number>;
  resetCalls(): void;
  /** The next `times` (default 1) calls of `endpoint` ('*' = any) get `fault`, in injection order; `options.delayMs` for `slow`. */
  injectFault(endpoint: EmulatorEndpoint | '*', fault: EmulatorFault, times?: number, options?: FaultOptions): void;
  clearFaults(): void;
  /** The real openid of a user for an app (default app if omitted): 28 chars, 'o' + base62, stable. */
  openidFor(userId: string, appId?: string): string;
  /**
   * Non-interactive authorization: given a full authorize URL (or a website app's qrconnect URL, `user` being
   * whoever scans), returns the callback URL WeChat would redirect to. Throws an `AuthorizePageError` (with `errcode`, e.g. 10003) when WeChat would show an
   * error page, or an Error for an unknown user. Not counted in `calls`, and faults do not apply.
   */
  authorize(authorizeUrl: string, choice: { user: string; consent?: Consent }): string;
  /**
   * The app access token at WeChat: `killStableToken()` makes the app's stable token dead (40001); with
   * `stillHandedOut` a normal stable_token call still returns it and only force_refresh gets a new one. Returns
   * the killed token. `jweixinUrl`: the stand-in for WeChat's jweixin script, which checks wx.config's signature.
   */
  platform: {
    killStableToken(options?: { stillHandedOut?: boolean; appId?: string }): string | undefined;
    jweixinUrl: string;
  };
  /** Advances the emulator's clock if it is a test clock (throws otherwise). */
  advanceTime(ms: number): void;
  /** Ends every connection, hanging ones included. */
  close(): Promise<void>;
}

/**
 * @example
 * import { createWechatLogin } from 'wechat-official-login';
 * import { startWechatEmulator } from 'wechat-official-login/testing';
 *
 * const emulator = await startWechatEmulator();
 * const wechat = createWechatLogin({
 *   appId: emulator.defaultApp.appId, appSecret: emulator.defaultApp.appSecret,
 *   apiBaseUrl: emulator.apiBaseUrl, authorizeBaseUrl: emulator.authorizeBaseUrl, clock: emulator.clock,
 *   redis: 'redis://127.0.0.1:6379', session: { secret: 'a test secret of at least 32 characters' },
 *   publicUrl: 'http://localhost:3000',
 * });
 * // ...
 * await wechat.close();
 * await emulator.close();
 */
export async function startWechatEmulator(options?: WechatEmulatorOptions): Promise<WechatEmulator> {
  const resolved = resolveEmulatorOptions(options);
  const { clock } = resolved;
  const apps = new Map(resolved.apps.map((app) => [app.appId, app]));
  const state = new EmulatorState({ clock, refreshTokenRotation: resolved.refreshTokenRotation });
  const faults = new FaultQueue();
  const calls = Object.fromEntries(ENDPOINTS.map((e) => [e, 0])) as Record<EmulatorEndpoint, number>;
  const users = new Map<string, EmulatorUser>();
  const ctx: AuthorizeContext = { apps, users, state };
  const platform = { apps, platform: new PlatformState(clock) };

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      sendWechatJson(res, { errcode: -1, errmsg: `emulator error: ${error instanceof Error ? error.message : String(error)}` }, 500);
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const path = q === -1 ? target : target.slice(0, q);
    const rawQuery = q === -1 ? '' : target.slice(q + 1);

    const platformEndpoint = PLATFORM_PATHS[path];
    if (platformEndpoint) {
      calls[platformEndpoint]++;
      const due = faults.take(platformEndpoint);
      if (due?.fault === 'slow') await sleep(due.delayMs);
      else if (due) return applyFault(due.fault, req, res);
      return handlePlatform(platformEndpoint, req, new URLSearchParams(rawQuery), platform, res);
    }
    if (path === JSSDK_VERIFY_PATH) return handleJssdkVerify(req, platform, res);
    if (path === JWEIXIN_PATH) {
      res.writeHead(200, { 'Content-Type': 'application/javascript; charset=utf-8', 'Cache-Control': 'no-store' });
      return void res.end(jweixinScript());
    }
    const endpoint = path === AUTHORIZE_PATH ? 'authorize' : path === QRCONNECT_PATH ? 'qrconnect' : SNS_PATHS[path];
    if (endpoint) {
      calls[endpoint]++;
      const due = faults.take(endpoint);
      if (due?.fault === 'slow') await sleep(due.delayMs);
      else if (due) return applyFault(due.fault, req, res);
      if (endpoint === 'authorize' || endpoint === 'qrconnect') return handleAuthorize(req, res, rawQuery, ctx, endpoint);
      return snsHandlers[endpoint](new URLSearchParams(rawQuery), { apps, state }, res);
    }
    if (path === CONFIRM_PATH && req.method === 'POST') return handleConfirm(req, res, ctx);
    if (path === QRCONNECT_CONFIRM_PATH && req.method === 'POST') return handleConfirm(req, res, ctx, 'qrconnect');
    if (path.startsWith(`${CONTROL_PREFIX}/`)) return handleControl(req, res, path, emulator);
    const avatar = /^\/avatar\/([^/]+)\/(\d+)$/.exec(path);
    const avatarUser = avatar && users.get(decodeURIComponent(avatar[1]!));
    if (avatar && avatarUser && AVATAR_SIZES.includes(Number(avatar[2]))) {
      res.writeHead(200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'public, max-age=86400' });
      return void res.end(avatarSvg(avatarUser, Number(avatar[2])));
    }
    sendWechatJson(res, { errcode: 404, errmsg: `emulator: no route for ${req.method} ${path}` }, 404);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, resolved.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host}:${port}`;
  for (const user of resolved.users) {
    users.set(user.id, { ...user, headimgurl: user.headimgurl?.startsWith('/') ? url + user.headimgurl : user.headimgurl });
  }

  let closing: Promise<void> | undefined;
  const emulator: WechatEmulator = {
    url,
    apiBaseUrl: url,
    authorizeBaseUrl: url,
    apps: resolved.apps,
    users: [...users.values()],
    defaultApp: resolved.apps[0]!,
    websiteApp: resolved.apps.find((app) => app.kind === 'website'),
    clock,
    calls,
    resetCalls() {
      for (const e of ENDPOINTS) calls[e] = 0;
    },
    injectFault: (endpoint, fault, times, options) => faults.add(endpoint, fault, times, options),
    clearFaults: () => faults.clear(),
    openidFor: (userId, appId = resolved.apps[0]!.appId) => openidOf(userId, appId),
    authorize(authorizeUrl, choice) {
      const parsed = new URL(authorizeUrl, url);
      if (parsed.pathname !== AUTHORIZE_PATH && parsed.pathname !== QRCONNECT_PATH) {
        throw new TypeError(`"authorizeUrl" must point at ${AUTHORIZE_PATH} or ${QRCONNECT_PATH}, got ${parsed.pathname}`);
      }
      const request = parseAuthorizeQuery(parsed.search.slice(1), apps, parsed.pathname === QRCONNECT_PATH ? 'qrconnect' : 'authorize');
      const user = users.get(choice.user);
      if (!user) throw new Error(`Unknown emulator user "${choice.user}"; known: ${[...users.keys()].join(', ')}`);
      const location = completeAuthorization(ctx, request, user, choice.consent ?? 'allow');
      // The phone cancelled a QR sign-in: WeChat never calls back.
      if (location === undefined) throw new Error('the phone cancelled this QR sign-in: WeChat does not call the website back');
      return location;
    },
    platform: {
      killStableToken: ({ appId = resolved.apps[0]!.appId, ...options } = {}) => platform.platform.killStableToken(appId, options),
      jweixinUrl: url + JWEIXIN_PATH,
    },
    advanceTime(ms) {
      const advance = (clock as { advance?: unknown }).advance;
      if (typeof advance !== 'function') throw new Error('advanceTime needs a test clock: pass createTestClock() as "clock", or omit "clock"');
      advance.call(clock, ms);
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hanging faults and keep-alive sockets would hold close() open forever.
        server.closeAllConnections();
      });
      return closing;
    },
  };
  return emulator;
}
