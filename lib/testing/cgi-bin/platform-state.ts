import { createHash } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type { Outcome, WechatError } from '../emulator-state.js';
import type { EmulatorApp } from '../fixtures.js';
import { randomId } from '../ids.js';

/** WeChat's rules for the app access token (`client_credential`) and the JS-SDK ticket, per app. */
export const APP_TOKEN_TTL_S = 7200;
/** A token replaced by a newer one (a new /cgi-bin/token, a forced stable token) keeps working this long. */
export const REPLACED_GRACE_MS = 5 * 60_000;
export const FORCE_REFRESH_PER_DAY = 20;
export const FORCE_REFRESH_SPACING_MS = 30_000;
const DAY_MS = 24 * 3600_000;
/** WeChat's days are Beijing's (UTC+8). */
const BEIJING_MS = 8 * 3600_000;

export const PLATFORM_ERRORS = {
  invalidCredential: { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' },
  invalidGrantType: { errcode: 40002, errmsg: 'invalid grant_type' },
  invalidAppid: { errcode: 40013, errmsg: 'invalid appid' },
  invalidAccessToken: { errcode: 40014, errmsg: 'invalid access_token' },
  invalidAppsecret: { errcode: 40125, errmsg: 'invalid appsecret' },
  missingAccessToken: { errcode: 41001, errmsg: 'access_token missing' },
  accessTokenExpired: { errcode: 42001, errmsg: 'access_token expired' },
  invalidType: { errcode: 40097, errmsg: 'invalid args' },
  dailyQuota: { errcode: 45009, errmsg: 'reach max api daily quota limit' },
  tooFrequent: { errcode: 45011, errmsg: 'api minute-quota reach limit  mustslower  retry next minute' },
} as const satisfies Record<string, WechatError>;

interface AppToken {
  appId: string;
  token: string;
  kind: 'stable' | 'plain';
  expiresAt: number;
  /** Set once a newer token replaced it: it dies at this time (or at expiresAt, whichever comes first). */
  replacedUntil?: number;
  killed?: boolean;
}

interface Ticket {
  ticket: string;
  expiresAt: number;
}

export interface AppTokenAnswer {
  access_token: string;
  expires_in: number;
}

export class PlatformState {
  private readonly tokens = new Map<string, AppToken>();
  /** The live stable token of each app: what a normal stable_token call hands back. */
  private readonly stable = new Map<string, AppToken>();
  /** The newest /cgi-bin/token of each app: the next call replaces it. */
  private readonly plain = new Map<string, AppToken>();
  private readonly tickets = new Map<string, Ticket>();
  private readonly forced = new Map<string, { day: number; count: number; last: number }>();

  constructor(private readonly clock: Clock) {}

  /** POST /cgi-bin/stable_token: the same token while it lives; force_refresh mints one (quota: 20 a day, 30 s apart). */
  stableToken(app: EmulatorApp, force: boolean): Outcome<AppTokenAnswer> {
    const now = this.clock.now();
    const current = this.stable.get(app.appId);
    if (force) {
      const quota = this.takeForce(app.appId, now);
      if (quota) return { ok: false, error: quota };
    } else if (current && current.expiresAt > now) {
      return { ok: true, value: { access_token: current.token, expires_in: Math.ceil((current.expiresAt - now) / 1000) } };
    }
    if (current) current.replacedUntil = Math.min(current.replacedUntil ?? Infinity, now + REPLACED_GRACE_MS);
    const minted = this.mint(app.appId, 'stable', now);
    this.stable.set(app.appId, minted);
    return { ok: true, value: { access_token: minted.token, expires_in: APP_TOKEN_TTL_S } };
  }

  /** GET /cgi-bin/token: a new token every call; the previous /cgi-bin/token dies 5 minutes later, a stable one never. */
  plainToken(app: EmulatorApp): AppTokenAnswer {
    const now = this.clock.now();
    const previous = this.plain.get(app.appId);
    if (previous) previous.replacedUntil = Math.min(previous.replacedUntil ?? Infinity, now + REPLACED_GRACE_MS);
    const minted = this.mint(app.appId, 'plain', now);
    this.plain.set(app.appId, minted);
    return { access_token: minted.token, expires_in: APP_TOKEN_TTL_S };
  }

  /** The app a token belongs to, or WeChat's error for it (40001 killed or replaced, 42001 expired, 40014 unknown). */
  checkToken(token: string): Outcome<string> {
    const found = this.tokens.get(token);
    if (!found) return { ok: false, error: PLATFORM_ERRORS.invalidAccessToken };
    const now = this.clock.now();
    if (found.killed || (found.replacedUntil !== undefined && now >= found.replacedUntil)) return { ok: false, error: PLATFORM_ERRORS.invalidCredential };
    if (now >= found.expiresAt) return { ok: false, error: PLATFORM_ERRORS.accessTokenExpired };
    return { ok: true, value: found.appId };
  }

  /** GET /cgi-bin/ticket/getticket: one ticket per app, the same while it lives (as WeChat caches it). */
  ticket(appId: string): { ticket: string; expires_in: number } {
    const now = this.clock.now();
    let ticket = this.tickets.get(appId);
    if (!ticket || ticket.expiresAt <= now) {
      ticket = { ticket: randomId(86), expiresAt: now + APP_TOKEN_TTL_S * 1000 };
      this.tickets.set(appId, ticket);
    }
    return { ticket: ticket.ticket, expires_in: Math.ceil((ticket.expiresAt - now) / 1000) };
  }

  /**
   * Kills the app's stable token at WeChat (40001 from then on). `stillHandedOut`: a normal stable_token call
   * still returns it, so only force_refresh gets a new one (the case force_refresh exists for).
   */
  killStableToken(appId: string, { stillHandedOut = false }: { stillHandedOut?: boolean } = {}): string | undefined {
    const current = this.stable.get(appId);
    if (!current) return undefined;
    current.killed = true;
    if (!stillHandedOut) this.stable.delete(appId);
    return current.token;
  }

  /** Whether `signature` is what wx.config must carry for this app's live ticket and these values (the page's check). */
  verifySignature(appId: string, values: { nonceStr: string; timestamp: string; url: string; signature: string }): boolean {
    const ticket = this.tickets.get(appId);
    if (!ticket || ticket.expiresAt <= this.clock.now()) return false;
    const text = `jsapi_ticket=${ticket.ticket}&noncestr=${values.nonceStr}&timestamp=${values.timestamp}&url=${values.url.split('#')[0]}`;
    return createHash('sha1').update(text).digest('hex') === values.signature;
  }

  private mint(appId: string, kind: AppToken['kind'], now: number): AppToken {
    const token: AppToken = { appId, token: `${kind === 'stable' ? 'S' : 'T'}${randomId(135)}`, kind, expiresAt: now + APP_TOKEN_TTL_S * 1000 };
    this.tokens.set(token.token, token);
    return token;
  }

  private takeForce(appId: string, now: number): WechatError | undefined {
    const day = Math.floor((now + BEIJING_MS) / DAY_MS);
    const entry = this.forced.get(appId);
    const counted = entry && entry.day === day ? entry : { day, count: 0, last: -Infinity };
    if (counted.count >= FORCE_REFRESH_PER_DAY) return PLATFORM_ERRORS.dailyQuota;
    if (now - counted.last < FORCE_REFRESH_SPACING_MS) return PLATFORM_ERRORS.tooFrequent;
    this.forced.set(appId, { day, count: counted.count + 1, last: now });
    return undefined;
  }
}
