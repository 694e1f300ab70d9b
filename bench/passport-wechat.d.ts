/** passport-wechat 2 ships no types; only what bench/apps/passport.ts touches. */
declare module 'passport-wechat' {
  import type { Strategy } from 'passport';

  interface WechatOAuth {
    request(url: string, ...rest: unknown[]): unknown;
    getAuthorizeURL(...args: unknown[]): string;
  }

  class WechatStrategy extends Strategy {
    constructor(options: Record<string, unknown>, verify: (...args: never[]) => void);
    /** wechat-oauth's client; its URLs are fixed, see pointAtEmulator(). */
    _oauth: WechatOAuth;
  }
  export default WechatStrategy;
}
