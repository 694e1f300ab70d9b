import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { isWechatScope, type WechatScope } from '../wechat/types.js';

/**
 * A scan code nobody has scanned lives only in the desktop's page and the QR code: the ticket is a value sealed
 * with AES-256-GCM (key by HKDF-SHA256 from the session secret, as the login state cookie), holding the hash of
 * the desktop browser's scan secret, when it was shown and expires, its digits, scope and what the desktop is.
 * Nothing is written to Redis until a phone opens it; then the ticket's record is keyed by `id` (a hash of the
 * value). Sealed, not only signed: the digits of number matching must not be readable from the QR code. The
 * return address is not in it: the desktop keeps that in its own page's links.
 */
export interface ScanTicketToken {
  /** The key of the record a phone's open creates: 22 base64url characters of the value's SHA-256. */
  id: string;
  ownerHash: string;
  desktop: string;
  createdAt: number;
  expiresAt: number;
  digits: string;
  scope: WechatScope;
}

export interface ScanTicketSealer {
  seal(ticket: Omit<ScanTicketToken, 'id'>): string;
  /** The ticket of a value we sealed (expired or not); undefined for anything else. */
  open(value: unknown): ScanTicketToken | undefined;
  /** A signature of `text` bound to this deployment's secret (the desktop's open-codes cookie). */
  sign(text: string): string;
  verify(text: string, signature: string): boolean;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const AAD = Buffer.from('wechat-official-login scan ticket');
/** Base64url of IV + JSON + tag: about 170 characters; anything far off is refused before any work. */
export const TICKET_PATTERN = /^[A-Za-z0-9_-]{60,400}$/;

export function ticketIdOfValue(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 22);
}

/** `secrets`: newest first; sealing uses the first, opening tries each (a rotated session secret). */
export function createScanTicketSealer(secrets: readonly string[]): ScanTicketSealer {
  const keys = secrets.map((secret) => Buffer.from(hkdfSync('sha256', secret, 'wechat-official-login', 'scan ticket v1', 32)));
  const macKeys = secrets.map((secret) => Buffer.from(hkdfSync('sha256', secret, 'wechat-official-login', 'scan open codes v1', 32)));
  const mac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest('base64url').slice(0, 22);
  return {
    seal({ ownerHash, desktop, createdAt, expiresAt, digits, scope }) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', keys[0]!, iv).setAAD(AAD);
      const fields = [ownerHash, createdAt, expiresAt - createdAt, digits, scope === 'snsapi_base' ? 0 : 1, desktop];
      const body = Buffer.concat([cipher.update(JSON.stringify(fields), 'utf8'), cipher.final()]);
      return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
    },
    open(value) {
      if (typeof value !== 'string' || !TICKET_PATTERN.test(value)) return undefined;
      const raw = Buffer.from(value, 'base64url');
      if (raw.length <= IV_BYTES + TAG_BYTES) return undefined;
      for (const key of keys) {
        let fields: unknown;
        try {
          const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES)).setAAD(AAD);
          decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
          fields = JSON.parse(Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8'));
        } catch {
          continue; // another key, or not ours
        }
        if (!Array.isArray(fields)) return undefined;
        const [ownerHash, createdAt, ttl, digits, scope, desktop] = fields as unknown[];
        if (typeof ownerHash !== 'string' || typeof createdAt !== 'number' || typeof ttl !== 'number' || typeof digits !== 'string' || typeof desktop !== 'string') return undefined;
        const wechatScope: WechatScope = scope === 0 ? 'snsapi_base' : 'snsapi_userinfo';
        if (!isWechatScope(wechatScope)) return undefined;
        return { id: ticketIdOfValue(value), ownerHash, desktop, createdAt, expiresAt: createdAt + ttl, digits, scope: wechatScope };
      }
      return undefined;
    },
    sign: (text) => mac(macKeys[0]!, text),
    verify(text, signature) {
      const given = Buffer.from(signature);
      return macKeys.some((key) => {
        const expected = Buffer.from(mac(key, text));
        return expected.length === given.length && timingSafeEqual(expected, given);
      });
    },
  };
}
