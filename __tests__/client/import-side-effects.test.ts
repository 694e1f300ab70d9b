import { afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';

const names = ['window', 'navigator', 'document', 'location', 'self', '__wxjs_environment'];

/** Puts a getter on each browser global that records the read; `restore()` puts the originals back. */
function trapBrowserGlobals(): { touched: string[]; restore(): void } {
  const touched: string[] = [];
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
  return {
    touched,
    restore() {
      for (const [name, descriptor] of saved) {
        if (descriptor) Object.defineProperty(globalThis, name, descriptor);
        else delete (globalThis as Record<string, unknown>)[name];
      }
    },
  };
}

type Client = typeof import('../../lib/client/index.js');
let client: Client;
/** What the module's first evaluation read: the import happens once, so every test can check it in any order. */
let touchedOnImport: string[];

beforeAll(async () => {
  // No static import of the client here: the traps must be in place before the module is first evaluated.
  const traps = trapBrowserGlobals();
  try {
    client = await import('../../lib/client/index.js');
    touchedOnImport = [...traps.touched];
  } finally {
    traps.restore();
  }
});

// Each test gets its own record of reads.
let traps: ReturnType<typeof trapBrowserGlobals>;
beforeEach(() => {
  traps = trapBrowserGlobals();
});
afterEach(() => traps.restore());

describe('importing the client', () => {
  it('reads no browser global', () => {
    expect(touchedOnImport).toEqual([]);
    expect(Object.keys(client).sort()).toEqual([
      'JsSdkError', 'buildLoginUrl', 'buildQrPageUrl', 'configureJsSdk', 'createWechatLoginElement', 'detectWechatEnvironment',
      'isMiniProgram', 'isWeCom', 'isWechatBrowser', 'login',
    ]);
  });

  it('reads the globals only when called without explicit values, and works in Node without them', () => {
    const { isWechatBrowser, login } = client;
    expect(isWechatBrowser('MicroMessenger/8.0.47')).toBe(true);
    expect(traps.touched).toEqual([]);
    expect(isWechatBrowser()).toBe(false);
    expect(traps.touched).toContain('navigator');
    expect(() => login('/a')).toThrow(TypeError);
  });
});
