// Compiled by source-types.test.ts with tsc: a wrong public type in lib/'s source fails the build of this file.
// It imports lib/ by relative path, so it checks the source types, not the packed .d.ts a user's app sees.
import express from 'express';
import {
  createWechatLogin,
  type WechatLogin,
  type WechatPublicAuthModel,
  type WechatPublicUser,
  type WechatAccessTokenResponse,
  type ScanDesktopInfo,
  type ScanLoginOptions,
  type WechatApiError,
  ERR_WECHAT_API,
} from '../../lib/index.js';
import { isWechatBrowser, login, type LoginResult } from '../../lib/client/index.js';
import { startWechatEmulator, type WechatEmulator } from '../../lib/testing/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(_value?: T): void {}

declare const wechat: WechatLogin;
const app = express();
app.use(wechat.router);
app.get('/x', wechat.requireWechatUser({ scope: 'snsapi_userinfo' }), async (req, res) => {
  const token: string = await req.wechat.getAccessToken({ forceRefresh: true });
  const user: WechatPublicUser | null = req.wechat.user;
  const openid: string | null = req.wechat.openid;
  const ok: boolean = req.wechat.isAuthenticated();
  // The session is augmented, tokens are not in it.
  const grantId: string | undefined = req.session.wechat?.login?.grantId;
  // @ts-expect-error tokens never reach the public user type
  void user?.accessToken;
  res.json({ token, user, openid, ok, grantId });
});
app.use(wechat.errorHandler());

assertType<Equal<WechatPublicUser, Omit<WechatPublicAuthModel, 'accessToken' | 'refreshToken'>>>();
assertType<Equal<WechatPublicAuthModel['createdAt'], Date>>();
assertType<Equal<WechatAccessTokenResponse['is_snapshotuser'], number | undefined>>();
assertType<Equal<WechatApiError['errcode'], number>>();
assertType<Equal<typeof ERR_WECHAT_API, 'ERR_WECHAT_API'>>();
assertType<Equal<ReturnType<typeof isWechatBrowser>, boolean>>();
assertType<Equal<ReturnType<typeof login>, LoginResult>>();
assertType<Equal<Awaited<ReturnType<typeof startWechatEmulator>>, WechatEmulator>>();

// @ts-expect-error scope is checked
createWechatLogin({ appId: 'wx0123456789abcdef', appSecret: 'x', redis: 'redis://x', session: false, scope: 'snsapi_login' });
// @ts-expect-error the guard takes only known scopes
wechat.requireWechatUser({ scope: 'snsapi_login' });

// Scan to sign in: the veto hook sees the phone's public user and the desktop's description.
createWechatLogin({
  appId: 'wx0123456789abcdef',
  appSecret: 'x',
  redis: 'redis://x',
  session: false,
  scanLogin: {
    numberMatching: true,
    onScanConfirm: async (user, desktop: ScanDesktopInfo) => user.openid.length > 0 && desktop.description !== '' && desktop.shownAt > 0,
  },
});
createWechatLogin({ appId: 'wx0123456789abcdef', appSecret: 'x', redis: 'redis://x', session: false, scanLogin: false });
// @ts-expect-error the veto hook answers true or false
createWechatLogin({ appId: 'wx0123456789abcdef', appSecret: 'x', redis: 'redis://x', session: false, scanLogin: { onScanConfirm: () => 'yes' } });
assertType<Equal<NonNullable<Exclude<ScanLoginOptions, false>['onScanConfirm']> extends (user: WechatPublicUser, ...rest: never[]) => unknown ? true : false, true>>();

// The JS-SDK (docs/jssdk.md): the app's own token, the ticket, the pure signer and the browser client.
import { signJsSdk, type JsSdkConfig, type PlatformOptions } from '../../lib/index.js';
import { configureJsSdk, type JsSdkErrorCode } from '../../lib/client/index.js';
void (async () => {
  const appToken: string = await wechat.platform.getAccessToken();
  const fresh: string = await wechat.platform.getAccessToken({ refusedToken: appToken });
  const ticket: string = await wechat.platform.getJsapiTicket();
  const signature: string = signJsSdk({ jsapiTicket: ticket, nonceStr: 'n', timestamp: 1, url: 'https://a.example/' });
  // @ts-expect-error the url is required
  signJsSdk({ jsapiTicket: ticket, nonceStr: 'n', timestamp: 1 });
  void configureJsSdk({ jsApiList: ['scanQRCode'], openTagList: [], debug: false });
  return [fresh, signature];
})();
assertType<Equal<JsSdkConfig, { appId: string; timestamp: number; nonceStr: string; signature: string }>>();
assertType<Equal<PlatformOptions, { jssdkRoute?: boolean; refreshAheadMs?: number }>>();
assertType<Equal<JsSdkErrorCode, 'not_wechat' | 'snapshot_user' | 'no_jweixin' | 'config_unavailable' | 'config_failed' | 'timeout'>>();
