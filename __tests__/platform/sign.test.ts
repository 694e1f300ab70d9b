import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { signJsSdk } from '../../lib/index.js';
import { newNonceStr } from '../../lib/platform/sign.js';

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

describe('signJsSdk', () => {
  it("reproduces the example of WeChat's JS-SDK documentation (appendix 1)", () => {
    expect(
      signJsSdk({
        jsapiTicket: 'sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg',
        nonceStr: 'Wm3WZYTPz0wzccnW',
        timestamp: 1414587457,
        url: 'http://mp.weixin.qq.com?params=value',
      }),
    ).toBe('0f9de62fce790f9a083d5c99e95740ceb90c27ed');
  });

  it('signs a URL with a query as given (no re-encoding) and leaves out its fragment', () => {
    const base = { jsapiTicket: 'TICKET', nonceStr: 'abcdefgh12345678', timestamp: '1700000000' };
    const url = 'https://shop.example.com/item/7?id=1&name=%E4%B8%AD+x&empty=#/detail?x=1#y';
    const expected = sha1('jsapi_ticket=TICKET&noncestr=abcdefgh12345678&timestamp=1700000000&url=https://shop.example.com/item/7?id=1&name=%E4%B8%AD+x&empty=');
    expect(signJsSdk({ ...base, url })).toBe(expected);
    expect(signJsSdk({ ...base, url: url.split('#')[0]! })).toBe(expected);
    // The query is part of what is signed: another one is another signature.
    expect(signJsSdk({ ...base, url: 'https://shop.example.com/item/7?id=2' })).not.toBe(expected);
  });

  it('refuses what cannot be signed with a typed error', () => {
    expect(() => signJsSdk({ jsapiTicket: '', nonceStr: 'n', timestamp: 1, url: 'http://a' })).toThrow(expect.objectContaining({ code: 'ERR_WECHAT_INVALID_ARGUMENT' }));
    expect(() => signJsSdk({ jsapiTicket: 't', nonceStr: 'n', timestamp: 1.5, url: 'http://a' })).toThrow(/timestamp/);
  });

  it('makes nonces of 16 characters of [A-Za-z0-9], different each time', () => {
    const nonces = Array.from({ length: 200 }, () => newNonceStr());
    for (const nonce of nonces) expect(nonce).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(new Set(nonces).size).toBe(200);
  });
});
