import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { buildLoginUrl, buildQrPageUrl, login, type LocationLike } from '../../lib/client/index.js';
import { setGlobal } from './globals.js';
import { userAgents } from './user-agents.js';

const wechat = userAgents.find((row) => row.label === 'iOS WeChat')!.ua;
const chrome = userAgents.find((row) => row.label === 'desktop Chrome')!.ua;
const wecom = userAgents.find((row) => row.label === 'WeCom Android')!.ua;

function fakeLocation(href: string): LocationLike & { assign: jest.Mock<(url: string) => void> } {
  return { href, assign: jest.fn<(url: string) => void>() };
}

describe('buildLoginUrl', () => {
  it('encodes the return target as returnTo on the default login path', () => {
    expect(buildLoginUrl('/orders?id=1')).toBe('/auth/wechat/login?returnTo=%2Forders%3Fid%3D1');
  });

  it('leaves returnTo out when there is no target, so the server picks one', () => {
    expect(buildLoginUrl(undefined)).toBe('/auth/wechat/login');
    expect(buildLoginUrl(undefined, '/api/login')).toBe('/api/login');
  });

  it('appends to a login path that already has a query', () => {
    expect(buildLoginUrl('/a', '/auth/wechat/login?scope=snsapi_userinfo')).toBe('/auth/wechat/login?scope=snsapi_userinfo&returnTo=%2Fa');
  });

  it('passes the target through without judging it (the server validates returnTo)', () => {
    const hostile = 'https://evil.example/steal';
    expect(decodeURIComponent(buildLoginUrl(hostile).split('returnTo=')[1]!)).toBe(hostile);
  });
});

describe('buildQrPageUrl', () => {
  it("puts the QR page next to the login route: /auth/wechat/qr?url=", () => {
    expect(buildQrPageUrl('https://shop.example.com/cart?x=1')).toBe('/auth/wechat/qr?url=https%3A%2F%2Fshop.example.com%2Fcart%3Fx%3D1');
    expect(buildQrPageUrl('/a', { loginPath: '/wx/login' })).toBe('/wx/qr?url=%2Fa');
    expect(buildQrPageUrl('/a', { loginPath: 'https://api.example.com/auth/wechat/login?x=1' })).toBe('https://api.example.com/auth/wechat/qr?url=%2Fa');
  });

  it('uses qrPath when given', () => {
    expect(buildQrPageUrl('/a', { loginPath: '/wx/login', qrPath: '/open-in-wechat' })).toBe('/open-in-wechat?url=%2Fa');
  });
});

describe('login() inside WeChat', () => {
  it('navigates to the login route with the encoded return target', () => {
    const navigate = jest.fn<(url: string) => void>();
    const result = login('https://shop.example.com/cart', { userAgent: wechat, navigate });
    const url = '/auth/wechat/login?returnTo=https%3A%2F%2Fshop.example.com%2Fcart';
    expect(navigate).toHaveBeenCalledTimes(1);
    expect(navigate).toHaveBeenCalledWith(url);
    expect(result).toStrictEqual({ started: true, url });
  });

  it.each([
    ['a query with &', 'https://shop.example.com/p?a=1&b=2', 'https%3A%2F%2Fshop.example.com%2Fp%3Fa%3D1%26b%3D2'],
    ['a fragment', 'https://shop.example.com/p#reviews', 'https%3A%2F%2Fshop.example.com%2Fp%23reviews'],
    ['unicode', 'https://shop.example.com/搜索?q=茶 叶', 'https%3A%2F%2Fshop.example.com%2F%E6%90%9C%E7%B4%A2%3Fq%3D%E8%8C%B6%20%E5%8F%B6'],
    ['a relative path', '/orders/42?tab=paid&page=2#top', '%2Forders%2F42%3Ftab%3Dpaid%26page%3D2%23top'],
  ])('encodes %s so it survives the round trip', (_label, redirectUrl, encoded) => {
    const navigate = jest.fn<(url: string) => void>();
    login(redirectUrl, { userAgent: wechat, navigate });
    const url = navigate.mock.calls[0]![0];
    expect(url).toBe(`/auth/wechat/login?returnTo=${encoded}`);
    expect(new URLSearchParams(url.split('?')[1]).get('returnTo')).toBe(redirectUrl);
  });

  it('uses a custom loginPath', () => {
    const navigate = jest.fn<(url: string) => void>();
    expect(login('/me', { userAgent: wechat, navigate, loginPath: '/api/wx/login' })).toStrictEqual({ started: true, url: '/api/wx/login?returnTo=%2Fme' });
    expect(navigate).toHaveBeenCalledWith('/api/wx/login?returnTo=%2Fme');
  });

  it('returns to the current page by default and navigates with location.assign', () => {
    const location = fakeLocation('https://shop.example.com/cart?x=1#top');
    const result = login(undefined, { userAgent: wechat, location });
    const url = '/auth/wechat/login?returnTo=https%3A%2F%2Fshop.example.com%2Fcart%3Fx%3D1%23top';
    expect(location.assign).toHaveBeenCalledWith(url);
    expect(result).toStrictEqual({ started: true, url });
  });

  it('prefers navigate over location.assign', () => {
    const location = fakeLocation('https://shop.example.com/');
    const navigate = jest.fn<(url: string) => void>();
    login(undefined, { userAgent: wechat, location, navigate });
    expect(navigate).toHaveBeenCalledWith('/auth/wechat/login?returnTo=https%3A%2F%2Fshop.example.com%2F');
    expect(location.assign).not.toHaveBeenCalled();
  });

  it('does not call onNotWechat', () => {
    const onNotWechat = jest.fn();
    login('/a', { userAgent: wechat, navigate: () => {}, onNotWechat });
    expect(onNotWechat).not.toHaveBeenCalled();
  });
});

describe('login() outside WeChat', () => {
  it('starts nothing and hands the page to onNotWechat', () => {
    const navigate = jest.fn<(url: string) => void>();
    const onNotWechat = jest.fn<(info: { url: string; qrPageUrl: string }) => void>();
    const result = login('https://shop.example.com/cart?a=1&b=2', { userAgent: chrome, navigate, onNotWechat });
    const expected = {
      url: 'https://shop.example.com/cart?a=1&b=2',
      qrPageUrl: '/auth/wechat/qr?url=https%3A%2F%2Fshop.example.com%2Fcart%3Fa%3D1%26b%3D2',
    };
    expect(result).toStrictEqual({ started: false, reason: 'not_wechat', ...expected });
    expect(onNotWechat).toHaveBeenCalledWith(expected);
    expect(navigate).not.toHaveBeenCalled();
  });

  it('navigates to the QR page when there is no onNotWechat', () => {
    const navigate = jest.fn<(url: string) => void>();
    const result = login('/me', { userAgent: chrome, navigate, loginPath: '/wx/login' });
    expect(navigate).toHaveBeenCalledWith('/wx/qr?url=%2Fme');
    expect(result).toMatchObject({ started: false, reason: 'not_wechat', url: '/me', qrPageUrl: '/wx/qr?url=%2Fme' });
  });

  it('treats WeCom as outside WeChat', () => {
    const navigate = jest.fn<(url: string) => void>();
    expect(login('/me', { userAgent: wecom, navigate }).started).toBe(false);
    expect(navigate).toHaveBeenCalledWith('/auth/wechat/qr?url=%2Fme');
  });

  it('asks to open the current page in WeChat by default', () => {
    const location = fakeLocation('https://shop.example.com/p/1');
    const result = login(undefined, { userAgent: chrome, location });
    expect(result).toMatchObject({ url: 'https://shop.example.com/p/1' });
    expect(location.assign).toHaveBeenCalledWith('/auth/wechat/qr?url=https%3A%2F%2Fshop.example.com%2Fp%2F1');
  });
});

describe('login() defaults from the page', () => {
  const restore: Array<() => void> = [];
  afterEach(() => restore.splice(0).reverse().forEach((undo) => undo()));

  it('reads navigator.userAgent and the global location when no options are given', () => {
    const location = fakeLocation('https://shop.example.com/home');
    restore.push(setGlobal('navigator', { userAgent: wechat }), setGlobal('location', location));
    expect(login()).toStrictEqual({ started: true, url: '/auth/wechat/login?returnTo=https%3A%2F%2Fshop.example.com%2Fhome' });
    expect(location.assign).toHaveBeenCalledTimes(1);
  });

  it('says what is missing when there is neither navigate nor location (Node)', () => {
    expect(() => login('/a', { userAgent: wechat })).toThrow(new TypeError('"navigate" is required where there is no "location" (outside a browser)'));
  });
});

describe('login() option checks', () => {
  it.each([
    [{ loginPath: 42 }, '"loginPath" must be a string'],
    [{ userAgent: null }, '"userAgent" must be a string'],
    [{ navigate: '/x' }, '"navigate" must be a function'],
    [{ onNotWechat: true }, '"onNotWechat" must be a function'],
  ])('rejects %p', (options, message) => {
    expect(() => login('/a', options as never)).toThrow(new TypeError(message));
  });
});
