import { createHash, randomInt } from 'node:crypto';
import { WechatArgumentError } from '../errors.js';

/** What `wx.config` is signed over (WeChat's JS-SDK documentation, appendix 1). */
export interface JsSdkSignInput {
  jsapiTicket: string;
  nonceStr: string;
  /** Whole seconds since epoch, as given to wx.config. */
  timestamp: number | string;
  /** The page's full URL as the browser has it; anything from `#` on is left out. */
  url: string;
}

/**
 * The `wx.config` signature: the hex SHA-1 of `jsapi_ticket=…&noncestr=…&timestamp=…&url=…` (keys in that order,
 * the url without its fragment, otherwise exactly as given: no encoding, no normalising).
 *
 * @example
 * signJsSdk({
 *   jsapiTicket: 'sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg',
 *   nonceStr: 'Wm3WZYTPz0wzccnW', timestamp: 1414587457, url: 'http://mp.weixin.qq.com?params=value',
 * }); // '0f9de62fce790f9a083d5c99e95740ceb90c27ed'
 */
export function signJsSdk({ jsapiTicket, nonceStr, timestamp, url }: JsSdkSignInput): string {
  for (const [name, value] of [['jsapiTicket', jsapiTicket], ['nonceStr', nonceStr], ['url', url]] as const) {
    if (typeof value !== 'string' || value === '') throw new WechatArgumentError(`"${name}" must be a non-empty string`);
  }
  const seconds = String(timestamp);
  if (!/^\d{1,12}$/.test(seconds)) throw new WechatArgumentError('"timestamp" must be whole seconds since epoch');
  const page = url.split('#')[0]!;
  return createHash('sha1').update(`jsapi_ticket=${jsapiTicket}&noncestr=${nonceStr}&timestamp=${seconds}&url=${page}`, 'utf8').digest('hex');
}

const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 16 random characters of [A-Za-z0-9] (randomInt: no modulo bias). */
export function newNonceStr(length = 16): string {
  let out = '';
  for (let i = 0; i < length; i++) out += NONCE_ALPHABET[randomInt(NONCE_ALPHABET.length)];
  return out;
}
