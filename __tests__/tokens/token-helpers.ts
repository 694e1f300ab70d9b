import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import type { Express } from 'express';
import type request from 'supertest';
import { createKeys } from '../../lib/store/keys.js';
import type { GrantRecord } from '../../lib/store/types.js';
import type { WechatLogin } from '../../lib/index.js';
import type { WechatEmulator } from '../../lib/testing/index.js';
import type { Agent, LoginWorld } from '../helpers/login-app.js';

export const HOUR_MS = 3600 * 1000;
export const DAY_MS = 24 * HOUR_MS;

/** Test-only routes: what the session points at, and a token route without the guard in front. */
export function tokenTestRoutes(app: Express): void {
  app.get('/test/grant', (req, res) => void res.json({ grantId: req.session.wechat?.login?.grantId ?? null }));
  app.get('/test/who', (req, res) =>
    void res.json({ openid: req.wechat.openid, user: req.wechat.user, authenticated: req.wechat.isAuthenticated() }),
  );
  app.get('/test/token-unguarded', async (req, res) => void res.json({ token: await req.wechat.getAccessToken() }));
}

export async function grantIdOf(agent: Agent): Promise<string> {
  const res = await agent.get('/test/grant').set('Accept', 'application/json');
  if (typeof res.body.grantId !== 'string') throw new Error(`no grant in this session: ${res.status} ${res.text}`);
  return res.body.grantId;
}

export async function readGrant(wechat: WechatLogin, agent: Agent): Promise<GrantRecord> {
  const grant = await wechat.store.grants.get(await grantIdOf(agent));
  if (!grant) throw new Error('grant is gone');
  return grant;
}

export function grantKeys(world: LoginWorld) {
  return createKeys('wol', world.emulator.defaultApp.appId);
}

export async function tokenOf(agent: Agent): Promise<request.Response> {
  return agent.get('/api/token').set('Accept', 'application/json');
}

/** Asks the emulator's /sns/auth whether WeChat accepts this access token now. */
export async function wechatAccepts(emulator: WechatEmulator, accessToken: string, openid: string): Promise<boolean> {
  const url = `${emulator.apiBaseUrl}/sns/auth?${new URLSearchParams({ access_token: accessToken, openid })}`;
  const body = (await (await fetch(url)).json()) as { errcode: number };
  return body.errcode === 0;
}

/** Refreshes at WeChat behind our back (another client with the same refresh token): with rotation, ours dies. */
export async function refreshBehindOurBack(
  emulator: WechatEmulator,
  refreshToken: string,
): Promise<{ access_token?: string; refresh_token?: string; errcode?: number }> {
  const query = new URLSearchParams({ appid: emulator.defaultApp.appId, grant_type: 'refresh_token', refresh_token: refreshToken });
  return (await (await fetch(`${emulator.apiBaseUrl}/sns/oauth2/refresh_token?${query}`)).json()) as {
    access_token?: string;
    refresh_token?: string;
    errcode?: number;
  };
}

/** The `name=value` pair of the session cookie a response set. */
export function sessionCookieFrom(res: request.Response, name = 'wechat.sid'): string {
  const raw = res.headers['set-cookie'] as unknown as string[] | undefined;
  const cookie = raw?.find((c) => c.startsWith(`${name}=`));
  if (!cookie) throw new Error(`no ${name} cookie in ${JSON.stringify(raw)}`);
  return cookie.split(';')[0]!;
}

/** A promise and the function that settles it: a gate a test opens when it wants. */
export function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/**
 * A TCP proxy in front of redis-server that the test can cut: while down, open connections are reset and new
 * ones refused (ECONNREFUSED), which is what a Redis restart or failover looks like to the client.
 */
export interface CuttableProxy {
  url: string;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startCuttableProxy(targetPort: number): Promise<CuttableProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  await listen(0);
  const { port } = server.address() as AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    down: stop,
    up: () => (server.listening ? Promise.resolve() : listen(port)),
    close: stop,
  };
}
