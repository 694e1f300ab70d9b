import { afterEach, describe, expect, it } from '@jest/globals';
import { detectWechatEnvironment, isMiniProgram, isWeCom, isWechatBrowser } from '../../lib/client/index.js';
import { setGlobal } from './globals.js';
import { userAgents } from './user-agents.js';

describe('user-agent detection', () => {
  describe.each(userAgents.map((row) => [row.label, row] as const))('%s', (_label, row) => {
    it(`isWechatBrowser ${row.isWechat}, isWeCom ${row.isWeCom}, isMiniProgram ${row.isMiniProgram}`, () => {
      expect(isWechatBrowser(row.ua)).toBe(row.isWechat);
      expect(isWeCom(row.ua)).toBe(row.isWeCom);
      expect(isMiniProgram(row.ua)).toBe(row.isMiniProgram);
    });

    it(`reports the whole environment${row.wechatVersion ? ` with version ${row.wechatVersion}` : ''}`, () => {
      const env = detectWechatEnvironment(row.ua);
      expect(env).toStrictEqual({
        isWechat: row.isWechat,
        isWeCom: row.isWeCom,
        isMiniProgram: row.isMiniProgram,
        isDevTools: row.isDevTools ?? false,
        isWindowsWechat: row.isWindowsWechat ?? false,
        isMacWechat: row.isMacWechat ?? false,
        isMobile: row.isMobile,
        ...(row.wechatVersion ? { wechatVersion: row.wechatVersion } : {}),
      });
    });
  });

  it('covers every kind of browser the E2E tests need', () => {
    const labels = userAgents.map((row) => row.label);
    for (const label of ['iOS WeChat', 'Android WeChat', 'WeCom Windows', 'WeChat DevTools', 'QQ browser', 'Alipay', 'curl', 'empty string']) {
      expect(labels).toContain(label);
    }
  });

  it('checks wxwork before MicroMessenger, whatever the order in the string', () => {
    expect(isWechatBrowser('MicroMessenger/8.0.47 wxwork/4.1.3')).toBe(false);
    expect(isWechatBrowser('wxwork/4.1.3 MicroMessenger/8.0.47')).toBe(false);
    expect(isWeCom('MicroMessenger/8.0.47 wxwork/4.1.3')).toBe(true);
  });

  it('reads a version with any number of parts and without the hex build', () => {
    expect(detectWechatEnvironment('MicroMessenger/8.0.47.2560(0x28002F30)').wechatVersion).toBe('8.0.47.2560');
    expect(detectWechatEnvironment('MicroMessenger/7.0').wechatVersion).toBe('7.0');
    expect(detectWechatEnvironment('MicroMessenger/').wechatVersion).toBeUndefined();
  });

  it('does not call a page WeChat for a look-alike without the MicroMessenger token', () => {
    expect(isWechatBrowser('Mozilla/5.0 Weixin-Share-Bot/1.0')).toBe(false);
    expect(isWechatBrowser('Mozilla/5.0 WeChat/arm64')).toBe(false);
  });

  describe('with no argument (the current page)', () => {
    const restore: Array<() => void> = [];
    afterEach(() => restore.splice(0).reverse().forEach((undo) => undo()));
    const android = userAgents.find((row) => row.label === 'Android WeChat')!.ua;

    it('reads navigator.userAgent', () => {
      restore.push(setGlobal('navigator', { userAgent: android }));
      expect(isWechatBrowser()).toBe(true);
      expect(detectWechatEnvironment().wechatVersion).toBe('8.0.47.2560');
    });

    it("treats a missing navigator as an empty User-Agent (Node, workers)", () => {
      restore.push(setGlobal('navigator', undefined));
      expect(detectWechatEnvironment()).toStrictEqual(detectWechatEnvironment(''));
    });

    it("trusts window.__wxjs_environment === 'miniprogram' for the current page only", () => {
      restore.push(setGlobal('navigator', { userAgent: android }));
      restore.push(setGlobal('__wxjs_environment', 'miniprogram'));
      expect(isMiniProgram()).toBe(true);
      expect(isMiniProgram(android)).toBe(false);
    });

    it("ignores __wxjs_environment outside WeChat", () => {
      restore.push(setGlobal('navigator', { userAgent: userAgents.find((row) => row.label === 'desktop Chrome')!.ua }));
      restore.push(setGlobal('__wxjs_environment', 'miniprogram'));
      expect(isMiniProgram()).toBe(false);
    });
  });
});
