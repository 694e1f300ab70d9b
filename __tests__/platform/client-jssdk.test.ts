import { describe, expect, it } from '@jest/globals';
import { configureJsSdk, type JweixinLike } from '../../lib/client/index.js';
import { userAgents } from '../client/user-agents.js';

const WECHAT = userAgents.find((row) => row.label === 'iOS WeChat')!.ua;
const CHROME = userAgents.find((row) => row.label === 'desktop Chrome')!.ua;

/** A wx that answers wx.config the way `verdict` says, and remembers what it was given. */
function fakeWx(verdict: 'ready' | 'error' | 'silent'): JweixinLike & { given?: Record<string, unknown> } {
  let ready: (() => void) | undefined;
  let error: ((e: { errMsg?: string }) => void) | undefined;
  const wx: JweixinLike & { given?: Record<string, unknown> } = {
    config(config) {
      wx.given = config;
      queueMicrotask(() => (verdict === 'ready' ? ready?.() : verdict === 'error' ? error?.({ errMsg: 'config:invalid signature' }) : undefined));
    },
    ready: (fn) => void (ready = fn),
    error: (fn) => void (error = fn),
  };
  return wx;
}

const signed = { appId: 'wx0123456789abcdef', timestamp: 1700000000, nonceStr: 'abcdefgh12345678', signature: 'f'.repeat(40) };
function fakeFetch(status = 200) {
  const asked: string[] = [];
  const fetch = async (url: string) => {
    asked.push(url);
    return { ok: status === 200, status, json: async () => signed };
  };
  return { fetch, asked };
}

describe('configureJsSdk', () => {
  it('asks the server to sign this page (without its fragment) and resolves when wx.ready fires', async () => {
    const wx = fakeWx('ready');
    const { fetch, asked } = fakeFetch();
    await expect(
      configureJsSdk({ wx, fetch, userAgent: WECHAT, url: 'https://shop.example.com/a?b=1#c', jsApiList: ['scanQRCode'], openTagList: ['wx-open-launch-weapp'] }),
    ).resolves.toBe(wx);
    expect(asked).toEqual([`/auth/wechat/jssdk-config?url=${encodeURIComponent('https://shop.example.com/a?b=1')}`]);
    expect(wx.given).toEqual({ debug: false, ...signed, jsApiList: ['scanQRCode'], openTagList: ['wx-open-launch-weapp'] });
  });

  it.each([
    ['outside WeChat', { userAgent: CHROME }, 'not_wechat'],
    ['for a snapshot-page visitor', { userAgent: WECHAT, snapshotUser: true }, 'snapshot_user'],
    ['without the jweixin script', { userAgent: WECHAT, wx: undefined }, 'no_jweixin'],
  ])('rejects clearly %s, asking the server nothing', async (_name, options, code) => {
    const { fetch, asked } = fakeFetch();
    await expect(configureJsSdk({ wx: fakeWx('ready'), fetch, url: 'https://a.example/', ...options })).rejects.toMatchObject({ name: 'JsSdkError', code });
    expect(asked).toEqual([]);
  });

  it('rejects on wx.error with its errMsg, and when the server cannot sign', async () => {
    await expect(configureJsSdk({ wx: fakeWx('error'), fetch: fakeFetch().fetch, userAgent: WECHAT, url: 'https://a.example/' })).rejects.toMatchObject({
      code: 'config_failed',
      message: expect.stringContaining('invalid signature'),
    });
    await expect(configureJsSdk({ wx: fakeWx('ready'), fetch: fakeFetch(503).fetch, userAgent: WECHAT, url: 'https://a.example/' })).rejects.toMatchObject({ code: 'config_unavailable' });
  });

  it('gives up when wx answers nothing', async () => {
    await expect(configureJsSdk({ wx: fakeWx('silent'), fetch: fakeFetch().fetch, userAgent: WECHAT, url: 'https://a.example/', timeoutMs: 20 })).rejects.toMatchObject({ code: 'timeout' });
  });
});
