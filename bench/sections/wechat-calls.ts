import type { WechatEmulator } from '../../lib/testing/index.js';
import type { MainWorld } from '../context.js';
import { get } from '../http.js';
import { logIn } from '../logins.js';
import type { WechatCalls, WechatCallsReport } from '../report.js';

/** §3: the emulator's call counters around one login of each kind, and around a repeated callback. */
export async function measureWechatCalls(world: MainWorld): Promise<WechatCallsReport> {
  const { host, bench } = world;
  const emulator = bench.emulator;
  const ours = host.url('ours');
  const user = emulator.users[0]!.id;

  const counted = async (operation: () => Promise<number>): Promise<WechatCalls> => {
    emulator.resetCalls();
    const callbackStatus = await operation();
    return callsOf(emulator, callbackStatus);
  };

  const snsapiBase = await counted(async () => (await logIn(ours, emulator, user, { scope: 'snsapi_base' }), 302));
  let first!: Awaited<ReturnType<typeof logIn>>;
  const snsapiUserinfo = await counted(async () => ((first = await logIn(ours, emulator, user)), 302));
  // The same callback URL again from the same browser (WeChat's double hit, a reload): no new code exchange.
  const repeatedCallback = await counted(async () => {
    const again = await get(`${ours}${first.callbackPath}`, { cookie: [first.browserCookies, first.sessionCookie].filter(Boolean).join('; ') });
    return again.status;
  });
  const passportUserinfo = await counted(async () => (await logIn(host.url('passport'), emulator, user), 302));
  return { snsapiBase, snsapiUserinfo, repeatedCallback, passportUserinfo };
}

function callsOf(emulator: WechatEmulator, callbackStatus: number): WechatCalls {
  const { authorize, ...api } = emulator.calls;
  const byEndpoint = Object.fromEntries(Object.entries(api).filter(([, n]) => n > 0));
  return { api: Object.values(api).reduce((a, b) => a + b, 0), byEndpoint, authorizePage: authorize, callbackStatus };
}
