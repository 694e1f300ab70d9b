import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { ReauthorizationRequiredError, WechatConfigError } from '../errors.js';

/**
 * Access and refresh tokens encrypted at rest (AES-256-GCM), so a Redis dump, backup or replica reveals no
 * usable token. Stored form: `enc:v1:<keyId>:<iv>:<tag>:<ciphertext>` (base64url parts): the key id (first 8 hex
 * characters of sha256(key)) finds the key among rotated ones, and the record and field the token belongs to
 * are authenticated with it, so a ciphertext copied onto another grant, user or field does not decrypt.
 */
export interface TokenCipher {
  /** Whether new writes are encrypted (a key is configured). */
  readonly encrypts: boolean;
  /** The stored form of `token`, bound to `context` (which record and field it belongs to). '' stays ''. */
  seal(token: string, context: string): string;
  /**
   * The token. A value without the `enc:` prefix is a plaintext record from before encryption and reads as it is.
   * Throws TokenUnreadableError (an "authorize again") when it cannot be decrypted.
   */
  open(stored: string, context: string): string;
}

export type TokenUnreadableReason = 'unknown-key' | 'no-key' | 'tampered' | 'malformed';

/**
 * Stored tokens that cannot be decrypted: written with a key no longer configured, or altered. Its code is
 * ERR_WECHAT_REAUTHORIZATION_REQUIRED: the user authorizes again, as for a dead refresh token. The message
 * holds the key id at most, never the stored value.
 */
export class TokenUnreadableError extends ReauthorizationRequiredError {
  readonly reason: TokenUnreadableReason;
  constructor(reason: TokenUnreadableReason, keyId?: string) {
    super(`the stored tokens cannot be decrypted (${describe(reason, keyId)})`);
    this.reason = reason;
  }
}

function describe(reason: TokenUnreadableReason, keyId: string | undefined): string {
  switch (reason) {
    case 'unknown-key':
      return `written with key ${keyId}, which is not in "tokenEncryptionKey"`;
    case 'no-key':
      return 'they are encrypted and no "tokenEncryptionKey" is set';
    case 'tampered':
      return 'authentication failed: altered, or moved from another record';
    case 'malformed':
      return 'not in a known encrypted format';
  }
}

const PREFIX = 'enc:';
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const HOW_TO_GENERATE = 'generate one with: openssl rand -base64 32';

/** No key: tokens are written as they are; encrypted ones (from a configuration with a key) cannot be read. */
export const PLAINTEXT_TOKENS: TokenCipher = {
  encrypts: false,
  seal: (token) => token,
  open: (stored) => {
    if (!stored.startsWith(PREFIX)) return stored;
    throw new TokenUnreadableError('no-key');
  },
};

/** The id a stored token names its key by: the first 8 hex characters of the key's SHA-256. */
export function tokenKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** A cipher over 32-byte keys, newest first: writes use the first, reads find any of them by id. */
export function createTokenCipher(keys: readonly Buffer[]): TokenCipher {
  if (keys.length === 0) return PLAINTEXT_TOKENS;
  const byId = new Map(keys.map((key) => [tokenKeyId(key), key] as const));
  const newest = { id: tokenKeyId(keys[0]!), key: keys[0]! };

  return {
    encrypts: true,
    seal(token, context) {
      if (token === '') return '';
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', newest.key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
      const parts = [iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url'));
      return `${PREFIX}${VERSION}:${newest.id}:${parts.join(':')}`;
    },
    open(stored, context) {
      if (!stored.startsWith(PREFIX)) return stored;
      const [, version, keyId, iv, tag, ciphertext, ...rest] = stored.split(':');
      if (version !== VERSION || rest.length > 0 || !keyId || iv === undefined || tag === undefined || ciphertext === undefined) {
        throw new TokenUnreadableError('malformed');
      }
      const key = byId.get(keyId);
      if (!key) throw new TokenUnreadableError('unknown-key', /^[0-9a-f]{8}$/.test(keyId) ? keyId : 'of an unknown id');
      const [ivBytes, tagBytes, data] = [iv, tag, ciphertext].map((part) => Buffer.from(part, 'base64url')) as [Buffer, Buffer, Buffer];
      if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) throw new TokenUnreadableError('malformed');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(tagBytes);
        return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
      } catch {
        throw new TokenUnreadableError('tampered');
      }
    },
  };
}

/**
 * The `tokenEncryptionKey` option as keys, newest first (undefined: not set). Each key is 32 random bytes, as
 * base64 (44 characters, `openssl rand -base64 32`) or 64 hex characters. The message never quotes a key.
 */
export function parseTokenEncryptionKeys(option: unknown, name = 'tokenEncryptionKey'): Buffer[] | undefined {
  if (option === undefined) return undefined;
  const list = Array.isArray(option) ? option : [option];
  if (list.length === 0) {
    throw new WechatConfigError(`"${name}" must be a key or a non-empty list of keys (newest first); ${HOW_TO_GENERATE}`);
  }
  const keys = list.map((value, i) => {
    const key = typeof value === 'string' ? decodeKey(value.trim()) : undefined;
    if (!key) {
      const which = Array.isArray(option) ? `"${name}[${i}]"` : `"${name}"`;
      throw new WechatConfigError(`${which} must be a 32-byte key, as base64 (44 characters) or 64 hex characters; ${HOW_TO_GENERATE}`);
    }
    return key;
  });
  if (new Set(keys.map(tokenKeyId)).size !== keys.length) {
    throw new WechatConfigError(`"${name}" lists the same key twice; list each key once, newest first`);
  }
  return keys;
}

function decodeKey(text: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) return undefined;
  const key = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
  return key.length === KEY_BYTES ? key : undefined;
}

/**
 * Sealing by default: a 32-byte key derived from a session secret with HKDF-SHA256 (no salt: the secret is the
 * entropy; a fixed info label keeps this key apart from anything else derived from the same secret, as
 * express-openid-connect derives its keys from `secret`). One key per secret of express-session's list, so a
 * rotated secret keeps opening what it sealed while it stays in the list.
 */
export const DERIVED_KEY_INFO = 'wechat-official-login token sealing v1';

export function deriveTokenKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), DERIVED_KEY_INFO, KEY_BYTES));
}

/** The cipher for a `tokenEncryptionKey` option (validated), or plaintext tokens when it is not set. */
export function tokenCipherFor(option: unknown, name?: string): TokenCipher {
  const keys = parseTokenEncryptionKeys(option, name);
  return keys ? createTokenCipher(keys) : PLAINTEXT_TOKENS;
}
