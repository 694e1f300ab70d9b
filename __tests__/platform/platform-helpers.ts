import type { Express } from 'express';
import request from 'supertest';
import type { WechatLogin } from '../../lib/index.js';
import type { WechatEmulator } from '../../lib/testing/index.js';
import { JSSDK_VERIFY_PATH } from '../../lib/testing/cgi-bin/platform-routes.js';

export const PAGE = 'http://localhost:3000/profile?tab=share&from=timeline#top';

/** `url` null: no url parameter at all. */
export function configOf(app: Express, url: string | null = PAGE): request.Test {
  const query = url === null ? '' : `?${new URLSearchParams({ url })}`;
  return request(app).get(`/auth/wechat/jssdk-config${query}`).set('Accept', 'application/json');
}

/** What the emulator's jweixin stand-in asks: does this wx.config verify for this page at WeChat? */
export async function wechatVerifies(emulator: WechatEmulator, config: Record<string, unknown>, url = PAGE): Promise<boolean> {
  const res = await fetch(emulator.url + JSSDK_VERIFY_PATH, { method: 'POST', body: JSON.stringify({ ...config, url }) });
  return ((await res.json()) as { ok: boolean }).ok;
}

export function platformCalls(emulator: WechatEmulator): { stable_token: number; token: number; getticket: number } {
  const { stable_token, token, getticket } = emulator.calls;
  return { stable_token, token, getticket };
}

export async function closeAll(instances: (WechatLogin | undefined)[]): Promise<void> {
  await Promise.all(instances.map((i) => i?.close()));
}
