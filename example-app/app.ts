import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler, type Router } from 'express';
import { createMemoryStore, createWechatLogin, systemClock, type WechatLogin, type WechatLoginOptions } from '../lib/index.js';
import { DEFAULT_EMULATOR_APP, DEFAULT_EMULATOR_WEBSITE_APP, JWEIXIN_PATH, startWechatEmulator, type WechatEmulator } from '../lib/testing/index.js';
import { bundleClient } from './client-bundle.js';
import { describeRedis, readExampleConfig, type ExampleConfig, type ExampleEnv } from './config.js';
import { errorPage, homePage, notFoundPage, profilePage, type Viewer } from './pages.js';

export interface ExampleAppDependencies {
  /** Start-up information. Default console.log. */
  log?: (line: string) => void;
  /** Insecure fallbacks and configuration warnings. Default console.warn. */
  warn?: (line: string) => void;
  /** The login's rate limits; default the package's. A load test sending every login from one address turns them off. */
  rateLimit?: WechatLoginOptions['rateLimit'];
}

export interface RunningExampleApp {
  /** Where this process listens, e.g. http://localhost:3000. */
  url: string;
  /** The origin WeChat calls back and QR codes point to (PUBLIC_URL, default `url`). */
  publicUrl: string;
  /** Set when the built-in emulator plays WeChat (its HTTP controls live under /__emulator). */
  emulatorUrl: string | undefined;
  close(): Promise<void>;
}

export interface ExampleApp {
  /**
   * The Express app. Usable on its own (e.g. with supertest): the first request then starts the emulator
   * and bundles the browser client, with the callback origin taken from PUBLIC_URL or the request's Host.
   */
  app: Express;
  /** Listens on PORT (0 picks a free port) and resolves once everything is ready. */
  start(): Promise<RunningExampleApp>;
}

/** What exists once the app knows its public origin: the login, the emulator and the client bundle. */
interface Services {
  routes: Router;
  wechat: WechatLogin;
  emulator: WechatEmulator | undefined;
  emulatorUrl: string | undefined;
  close(): Promise<void>;
}

/**
 * The example app, configured only by the environment variables documented in example-app/README.md.
 *
 * @example
 * const { start } = createExampleApp({ PORT: '0', REDIS_URL: 'redis://127.0.0.1:6379' });
 * const running = await start();
 * console.log(`listening on ${running.url}`);
 */
export function createExampleApp(env: ExampleEnv, deps: ExampleAppDependencies = {}): ExampleApp {
  const config = readExampleConfig(env);
  const log = deps.log ?? ((line: string) => console.log(line));
  const warn = deps.warn ?? ((line: string) => console.warn(`WARNING: ${line}`));

  let ready: Promise<Services> | undefined;
  const app = express();
  app.disable('x-powered-by');
  // Behind an https PUBLIC_URL a TLS-terminating proxy sits in front: believe its X-Forwarded-Proto so
  // secure session cookies are set. Only proxies on private addresses are trusted.
  if (config.publicUrl?.startsWith('https:')) app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  app.use((req, res, next) => {
    ready ??= initServices(config, config.publicUrl, log, warn, deps.rateLimit);
    ready.then((services) => services.routes(req, res, next), next);
  });

  return {
    app,
    async start() {
      if (ready) throw new Error('createExampleApp(): start() was called twice, or after the app served requests on its own');
      const server = createServer(app);
      const listening = new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, () => resolve((server.address() as AddressInfo).port));
      });
      const url = listening.then((port) => `http://localhost:${port}`);
      // Set before the first request can arrive, so that request waits for these services.
      ready = url.then((local) => initServices(config, config.publicUrl ?? local, log, warn, deps.rateLimit));
      let services: Services;
      try {
        services = await ready;
      } catch (error) {
        server.close();
        throw error;
      }
      let closing: Promise<void> | undefined;
      return {
        url: await url,
        publicUrl: config.publicUrl ?? (await url),
        emulatorUrl: services.emulatorUrl,
        close() {
          closing ??= (async () => {
            const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
            server.closeAllConnections();
            await stopped;
            await services.close();
          })();
          return closing;
        },
      };
    },
  };
}

async function initServices(
  config: ExampleConfig,
  publicUrl: string | undefined,
  log: (line: string) => void,
  warn: (line: string) => void,
  rateLimit: WechatLoginOptions['rateLimit'],
): Promise<Services> {
  for (const line of config.warnings) warn(line);

  let emulator: WechatEmulator | undefined;
  let { apiBaseUrl, authorizeBaseUrl } = config;
  let emulatorUrl: string | undefined;
  const credentials = config.credentials ?? { appId: DEFAULT_EMULATOR_APP.appId, appSecret: DEFAULT_EMULATOR_APP.appSecret };
  if (!config.credentials) {
    if (apiBaseUrl && authorizeBaseUrl) {
      emulatorUrl = authorizeBaseUrl;
      log(`WeChat: the emulator at ${emulatorUrl}, with its default test app ${credentials.appId}`);
    } else {
      // The emulator's own default is a frozen test clock; a demo wants tokens to age like WeChat's.
      const domains = [...(DEFAULT_EMULATOR_APP.domains ?? []), ...(publicUrl ? [new URL(publicUrl).hostname] : [])];
      emulator = await startWechatEmulator({
        clock: systemClock,
        // The test website app too: WECHAT_WEBSITE_APP_ID/_SECRET set to its credentials try desktop sign-in.
        apps: [
          { ...DEFAULT_EMULATOR_APP, domains },
          { ...DEFAULT_EMULATOR_WEBSITE_APP, domains: [...(DEFAULT_EMULATOR_WEBSITE_APP.domains ?? []), ...domains] },
        ],
      });
      apiBaseUrl = authorizeBaseUrl = emulatorUrl = emulator.url;
      log(`WeChat emulator running at ${emulator.url} (test app ${credentials.appId}; users: ${emulator.users.map((u) => u.id).join(', ')})`);
      log('  No phone needed: sign in, then pick a test user on the emulator\'s consent page. Set WECHAT_APP_ID and WECHAT_APP_SECRET for real WeChat.');
    }
  } else {
    log(`WeChat: Official Account ${credentials.appId}`);
  }
  if (config.websiteApp) log(`Desktop sign-in: the website app ${config.websiteApp.appId} (WeChat's QR page)`);

  // Without Redis the warnings above said so.
  if (config.redis) log(describeRedis(config.redis));

  try {
    const clientJs = await bundleClient();
    const wechat = createWechatLogin(
      {
        ...credentials,
        ...(config.scope ? { scope: config.scope } : {}),
        // A URL or a Cluster's seed nodes: the package connects (with its failover options for a Cluster) and
        // wechat.close() disconnects.
        // Tokens sealed at rest: with TOKEN_ENCRYPTION_KEY, else (Redis) with a key derived from the session secret.
        ...(config.redis
          ? { redis: config.redis, ...(config.tokenEncryptionKey ? { tokenEncryptionKey: config.tokenEncryptionKey } : {}) }
          : { store: createMemoryStore(config.tokenEncryptionKey ? { tokenEncryptionKey: config.tokenEncryptionKey } : {}) }),
        session: { secret: config.sessionSecret },
        ...(publicUrl ? { publicUrl } : {}),
        ...(apiBaseUrl ? { apiBaseUrl } : {}),
        ...(authorizeBaseUrl ? { authorizeBaseUrl } : {}),
        ...(config.websiteApp ? { websiteApp: config.websiteApp } : {}),
        emulatorLink: emulatorUrl !== undefined,
        // Our sign-in pages carry the site's name (their text follows each visitor's Accept-Language).
        pages: { siteName: 'Teahouse' },
        ...(rateLimit === undefined ? {} : { rateLimit }),
      },
      { warn },
    );
    return {
      routes: buildRoutes(wechat, clientJs, emulatorUrl, config.websiteApp !== undefined),
      wechat,
      emulator,
      emulatorUrl,
      async close() {
        await wechat.close();
        await emulator?.close();
      },
    };
  } catch (error) {
    await emulator?.close();
    throw error;
  }
}

function viewerOf(req: Request): Viewer | null {
  const user = req.wechat?.isAuthenticated() ? req.wechat.user : null;
  if (!user) return null;
  return { nickname: user.nickname || 'WeChat user', headimgurl: user.headimgurl ?? '' };
}

function wantsHtml(req: Request): boolean {
  return req.accepts(['html', 'json']) === 'html';
}

function buildRoutes(wechat: WechatLogin, clientJs: string, emulatorUrl: string | undefined, websiteApp: boolean): Router {
  const routes = express.Router();
  const signedIn = wechat.requireWechatUser();

  routes.get('/client.js', (_req, res) => {
    res.type('text/javascript').set('Cache-Control', 'no-cache').send(clientJs);
  });

  routes.use(wechat.router);

  routes.get('/', (req, res) => {
    res.set('Cache-Control', 'no-store').send(homePage({ viewer: viewerOf(req), emulatorUrl, websiteApp }));
  });

  const profile: RequestHandler = async (req, res) => {
    const user = req.wechat.user!;
    const login = req.session.wechat!.login!;
    res.set('Cache-Control', 'no-store').send(
      profilePage({
        viewer: viewerOf(req)!,
        // The openid of the app this login came through (the website app's on a computer with one).
        openid: req.wechat.openid ?? user.openid,
        unionid: user.unionid,
        scope: login.scope,
        userId: user.id,
        tokenExpiresAt: await req.wechat.accessTokenExpiresAt(),
        loggedInAt: login.loggedInAt,
        loginValidUntil: login.refreshExpiresAt,
        jweixinUrl: emulatorUrl ? `${emulatorUrl}${JWEIXIN_PATH}` : 'https://res.wx.qq.com/open/js/jweixin-1.6.0.js',
        emulated: emulatorUrl !== undefined,
      }),
    );
  };
  routes.get('/profile', signedIn, profile);

  routes.get('/api/me', signedIn, async (req, res) => {
    res.set('Cache-Control', 'no-store').json({ user: req.wechat.user, scope: req.wechat.scope, tokenExpiresAt: await req.wechat.accessTokenExpiresAt() });
  });

  routes.get('/api/wechat-profile', signedIn, async (req, res) => {
    // fetchUserInfo() gets a valid access token first (refreshing it if needed) and retries once if WeChat refuses it.
    res.set('Cache-Control', 'no-store').json(await req.wechat.fetchUserInfo());
  });

  routes.use((req, res) => {
    if (wantsHtml(req)) res.status(404).send(notFoundPage(viewerOf(req)));
    else res.status(404).json({ error: 'not_found' });
  });

  // Re-authorization and brief WeChat or Redis outages; whatever else remains is ours.
  routes.use(wechat.errorHandler());
  const lastResort: ErrorRequestHandler = (error, req, res, next) => {
    if (res.headersSent) return next(error);
    console.error('example-app: unhandled error:', error);
    if (wantsHtml(req)) res.status(500).send(errorPage(viewerOf(req)));
    else res.status(500).json({ error: 'internal_error' });
  };
  routes.use(lastResort);
  return routes;
}
