import { afterAll, describe, expect, it } from '@jest/globals';

// No static import of the client here: the traps must be in place before the module is first evaluated.
const touched: string[] = [];
const names = ['window', 'navigator', 'document', 'location', 'self', '__wxjs_environment'];
const saved = names.map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)] as const);
for (const name of names) {
  Object.defineProperty(globalThis, name, {
    configurable: true,
    get() {
      touched.push(name);
      return undefined;
    },
  });
}

afterAll(() => {
  for (const [name, descriptor] of saved) {
    if (descriptor) Object.defineProperty(globalThis, name, descriptor);
    else delete (globalThis as Record<string, unknown>)[name];
  }
});

describe('importing the client', () => {
  it('reads no browser global', async () => {
    const client = await import('../../lib/client/index.js');
    expect(touched).toEqual([]);
    expect(Object.keys(client).sort()).toEqual([
      'buildLoginUrl', 'buildQrPageUrl', 'createWechatLoginElement', 'detectWechatEnvironment',
      'isMiniProgram', 'isWeCom', 'isWechatBrowser', 'login',
    ]);
  });

  it('reads the globals only when called without explicit values, and works in Node without them', async () => {
    const { isWechatBrowser, login } = await import('../../lib/client/index.js');
    expect(isWechatBrowser('MicroMessenger/8.0.47')).toBe(true);
    expect(touched).toEqual([]);
    expect(isWechatBrowser()).toBe(false);
    expect(touched).toContain('navigator');
    expect(() => login('/a')).toThrow(TypeError);
  });
});
