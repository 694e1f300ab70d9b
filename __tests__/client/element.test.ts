import { describe, expect, it, jest } from '@jest/globals';
import { createWechatLoginElement } from '../../lib/client/index.js';
import { userAgents } from './user-agents.js';

const wechat = userAgents.find((row) => row.label === 'Android WeChat')!.ua;
const safari = userAgents.find((row) => row.label === 'mobile Safari')!.ua;

describe('createWechatLoginElement', () => {
  it("answers the seed's element calls: login(url) and isWechatBrowser()", () => {
    const navigate = jest.fn<(url: string) => void>();
    const element = createWechatLoginElement({ userAgent: wechat, navigate, loginPath: '/wx/login' });
    expect(element.isWechatBrowser()).toBe(true);
    expect(element.login('/account?tab=1')).toStrictEqual({ started: true, url: '/wx/login?returnTo=%2Faccount%3Ftab%3D1' });
    expect(navigate).toHaveBeenCalledWith('/wx/login?returnTo=%2Faccount%3Ftab%3D1');
  });

  it('returns to the current page when login() gets no url', () => {
    const assign = jest.fn<(url: string) => void>();
    const element = createWechatLoginElement({ userAgent: wechat, location: { href: 'https://a.example/x', assign } });
    element.login();
    expect(assign).toHaveBeenCalledWith('/auth/wechat/login?returnTo=https%3A%2F%2Fa.example%2Fx');
  });

  it('sends other browsers to the QR page or onNotWechat', () => {
    const onNotWechat = jest.fn();
    const element = createWechatLoginElement({ userAgent: safari, onNotWechat, navigate: () => { throw new Error('must not navigate'); } });
    expect(element.isWechatBrowser()).toBe(false);
    expect(element.login('/a')).toStrictEqual({ started: false, reason: 'not_wechat', url: '/a', qrPageUrl: '/auth/wechat/qr?url=%2Fa' });
    expect(onNotWechat).toHaveBeenCalledWith({ url: '/a', qrPageUrl: '/auth/wechat/qr?url=%2Fa' });
  });

  it('checks its options once, at creation', () => {
    expect(() => createWechatLoginElement({ navigate: 'nope' } as never)).toThrow(new TypeError('"navigate" must be a function'));
  });

  it('keeps no state shared between elements', () => {
    const a = createWechatLoginElement({ userAgent: wechat });
    const b = createWechatLoginElement({ userAgent: safari });
    expect([a.isWechatBrowser(), b.isWechatBrowser()]).toEqual([true, false]);
  });
});
