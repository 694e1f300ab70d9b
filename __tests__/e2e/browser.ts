import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from '@jest/globals';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { createExampleApp, type RunningExampleApp } from '../../example-app/app.js';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';

// jsqr is CommonJS typed as an ES module: under NodeNext its default import is typed as the namespace,
// while at run time it is the function (which also carries itself as .default).
const jsQR = ((jsQRModule as unknown as { default?: unknown }).default ?? jsQRModule) as typeof jsQRModule.default;

export const WECHAT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN';
export const DESKTOP_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

/** A phone inside WeChat, and a desktop browser. */
export const IN_WECHAT: BrowserContextOptions = {
  userAgent: WECHAT_UA,
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'zh-CN',
};
export const ON_DESKTOP: BrowserContextOptions = { userAgent: DESKTOP_UA, viewport: { width: 1280, height: 800 }, locale: 'en-US' };

/**
 * Every run takes the screenshots; they go to docs/screenshots/ (committed, linked from the README) only with
 * E2E_SCREENSHOTS=docs, so a plain `npm test` leaves the work tree clean.
 */
export const SCREENSHOT_DIR = fileURLToPath(
  new URL(process.env.E2E_SCREENSHOTS === 'docs' ? '../../docs/screenshots/' : './.screenshots/', import.meta.url),
);

/** CHROMIUM_PATH if set (it must exist), else Debian's chromium, else the first chromium on PATH. */
export function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH is ${fromEnv}, which does not exist: point it at a Chromium binary or unset it`);
    return fromEnv;
  }
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('No Chromium found: install Debian\'s "chromium" or set CHROMIUM_PATH');
  }
}

/** Async throughout: a missing Chromium is a rejection, never a throw in the middle of starting other things. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The example app as `npm start` runs it, on a free port, with a real redis-server and the built-in emulator. */
export interface ExampleWorld {
  redisServer: TestRedisServer;
  app: RunningExampleApp;
  /** The emulator's HTTP controls (the emulator object lives inside the app). */
  emulatorUrl: string;
  /** Everything the app logged at start-up. */
  logs: string[];
  stop(): Promise<void>;
}

/** `env`: more of the example app's variables (e.g. a website app's credentials). */
export async function startExampleWorld(env: Record<string, string> = {}): Promise<ExampleWorld> {
  const redisServer = await startRedisServer();
  const logs: string[] = [];
  try {
    const example = createExampleApp(
      { PORT: '0', REDIS_URL: redisServer.url, SESSION_SECRET: 'e2e-session-secret-0123456789abcdef-0123', ...env },
      { log: (line) => logs.push(line), warn: (line) => logs.push(`WARNING: ${line}`) },
    );
    const app = await example.start();
    if (!app.emulatorUrl) throw new Error('the example app did not start the built-in emulator');
    return {
      redisServer,
      app,
      emulatorUrl: app.emulatorUrl,
      logs,
      async stop() {
        await app.close();
        await redisServer.stop();
      },
    };
  } catch (error) {
    await redisServer.stop();
    throw error;
  }
}

export async function emulatorCalls(world: ExampleWorld): Promise<Record<string, number>> {
  const response = await fetch(`${world.emulatorUrl}/__emulator/calls`);
  return (await response.json()) as Record<string, number>;
}

/**
 * The WeChat flow a phone user sees: open `path`, get sent through the emulator's consent page, pick
 * `user`, allow, and land back on `path`.
 */
export async function signInInWechat(page: Page, world: ExampleWorld, user: string, path = '/profile'): Promise<void> {
  await page.goto(`${world.app.url}${path}`);
  await page.waitForURL((url) => url.href.startsWith(world.emulatorUrl));
  await page.locator(`input[type=radio][name=user][value="${user}"]`).check();
  await Promise.all([page.waitForURL(`${world.app.url}${path}`), page.getByRole('button', { name: /Allow/ }).click()]);
}

/**
 * The example app (with `env`) and Chromium, started in parallel. When one fails, the one that did start is
 * stopped before the error: a redis-server, app or browser left running keeps jest alive.
 */
export async function startExampleAndChromium(suite: string, env: Record<string, string> = {}): Promise<{ world: ExampleWorld; browser: Browser }> {
  chromiumPath(); // no Chromium: fail before starting anything
  const [started, launched] = await Promise.allSettled([startExampleWorld(env), launchChromium()]);
  if (started.status === 'rejected' || launched.status === 'rejected') {
    await Promise.allSettled([
      launched.status === 'fulfilled' ? launched.value.close() : undefined,
      started.status === 'fulfilled' ? started.value.stop() : undefined,
    ]);
    throw new Error(`The ${suite} E2E suite could not start`, { cause: started.status === 'rejected' ? started.reason : (launched as PromiseRejectedResult).reason });
  }
  return { world: started.value, browser: launched.value };
}

/** Reads the QR code in `selector` as a browser shows it. */
export async function decodeQr(page: Page, selector: string): Promise<string | undefined> {
  const png = PNG.sync.read(await page.locator(selector).screenshot());
  const code = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength), png.width, png.height);
  return code?.data;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOT_DIR}${name}.png`, fullPage: true, animations: 'disabled' });
}

export async function newPage(browser: Browser, options: BrowserContextOptions): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(options);
  return { context, page: await context.newPage() };
}

/** Waits (up to `timeout`) for the element's text to match, then asserts it, so a failure shows the last text seen. */
export async function expectText(locator: Locator, expected: string | RegExp, timeout = 5_000): Promise<void> {
  const deadline = Date.now() + timeout;
  let actual: string | null = null;
  for (;;) {
    actual = await locator.textContent({ timeout: Math.max(1, deadline - Date.now()) }).catch(() => null);
    const text = actual?.trim() ?? null;
    if (text !== null && (typeof expected === 'string' ? text === expected : expected.test(text))) return;
    if (Date.now() >= deadline) break;
    await sleep(50);
  }
  if (typeof expected === 'string') expect(actual?.trim()).toBe(expected);
  else expect(actual?.trim()).toMatch(expected);
}

/** Waits for the element, then asserts its attribute. */
export async function expectAttribute(locator: Locator, name: string, expected: string | RegExp): Promise<void> {
  await locator.waitFor({ state: 'attached', timeout: 5_000 });
  const actual = await locator.getAttribute(name);
  if (typeof expected === 'string') expect(actual).toBe(expected);
  else expect(actual).toMatch(expected);
}
