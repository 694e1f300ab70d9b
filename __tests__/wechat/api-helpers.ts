import { createWechatApiClient, type WechatApiClientOptions } from '../../lib/wechat/api-client.js';
import type { WechatScope } from '../../lib/wechat/types.js';
import type { WechatEmulator } from '../../lib/testing/index.js';

export const CALLBACK = 'http://localhost:3000/auth/wechat/callback';

/** Fast backoff so retry tests take milliseconds; the limit stays the default (2). */
export const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 20 } as const;

/** A client pointed at the emulator's default app. */
export function clientFor(wechat: WechatEmulator, overrides: Partial<WechatApiClientOptions> = {}) {
  return createWechatApiClient({ ...optionsFor(wechat), ...overrides });
}

export function optionsFor(wechat: WechatEmulator): WechatApiClientOptions {
  return {
    appId: wechat.defaultApp.appId,
    appSecret: wechat.defaultApp.appSecret,
    apiBaseUrl: wechat.apiBaseUrl,
    authorizeBaseUrl: wechat.authorizeBaseUrl,
    retry: FAST_RETRY,
  };
}

/** A fresh code, as the callback would receive it after `user` authorized with `scope`. */
export function codeFor(wechat: WechatEmulator, user: string, scope: WechatScope = 'snsapi_base'): string {
  const url = clientFor(wechat).buildAuthorizeUrl({ redirectUri: CALLBACK, scope, state: 'st4te' });
  const code = new URL(wechat.authorize(url, { user })).searchParams.get('code');
  if (!code) throw new Error(`no code for ${user}`);
  return code;
}

/** The rejection of `promise` (fails the test if it resolves), for inspecting every field of an error. */
export async function rejectionOf(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, it resolved');
}

/** What `fn` throws synchronously (fails the test if it returns). */
export function thrownBy(fn: () => unknown): any {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw, it returned');
}
