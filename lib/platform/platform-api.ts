import { WechatUnavailableError, type WechatEndpoint } from '../errors.js';
import { createWechatHttp } from '../wechat/http.js';
import { sendToWechat } from '../wechat/response.js';
import type { ResolvedApiClientOptions } from '../wechat/api-client.js';

/** What WeChat answers for the app token and the ticket (expires_in in seconds). */
export interface ExpiringAnswer {
  value: string;
  expiresIn: number;
}

export interface PlatformApi {
  /** POST /cgi-bin/stable_token. A normal call is retried like a GET (it changes nothing); a forced one never is. */
  stableToken(forceRefresh: boolean): Promise<ExpiringAnswer>;
  /** GET /cgi-bin/ticket/getticket?type=jsapi with the app token. */
  jsapiTicket(accessToken: string): Promise<ExpiringAnswer>;
}

/** WeChat's /cgi-bin/ calls of the JS-SDK, over the same got setup (timeouts, retries, busy) as the login's. */
export function createPlatformApi(options: ResolvedApiClientOptions): PlatformApi {
  const { appId, appSecret } = options;
  const { http } = createWechatHttp(options);
  const normal = http.extend({ retry: { methods: ['GET', 'POST'] } });
  const forced = http.extend({ retry: { limit: 0 } });

  return {
    async stableToken(forceRefresh) {
      const client = forceRefresh ? forced : normal;
      const json = { grant_type: 'client_credential', appid: appId, secret: appSecret, force_refresh: forceRefresh };
      const answer = await sendToWechat<{ access_token?: unknown; expires_in?: unknown }>(
        'stable_token',
        () => client.post('cgi-bin/stable_token', { json, context: { endpoint: 'stable_token' } }).text(),
        [appSecret],
      );
      return checked('stable_token', answer.access_token, answer.expires_in);
    },
    async jsapiTicket(accessToken) {
      const answer = await sendToWechat<{ ticket?: unknown; expires_in?: unknown }>(
        'getticket',
        () => http.get('cgi-bin/ticket/getticket', { searchParams: { access_token: accessToken, type: 'jsapi' }, context: { endpoint: 'getticket' } }).text(),
        [appSecret, accessToken],
      );
      return checked('getticket', answer.ticket, answer.expires_in);
    },
  };
}

/** An answer without the value or a sane lifetime is not WeChat's: unavailable, never stored. */
function checked(endpoint: WechatEndpoint, value: unknown, expiresIn: unknown): ExpiringAnswer {
  if (typeof value !== 'string' || value === '' || typeof expiresIn !== 'number' || !(expiresIn > 0)) {
    throw new WechatUnavailableError(endpoint, 'invalid_body', { detail: 'no usable value or expires_in' });
  }
  return { value, expiresIn };
}
