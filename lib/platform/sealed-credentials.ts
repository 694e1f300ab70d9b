import type { TokenCipher } from '../store/token-cipher.js';
import type { PlatformCredential, PlatformCredentialKind, PlatformStore } from '../store/platform-types.js';

const context = (kind: PlatformCredentialKind) => `platform:${kind}`;

/**
 * The app token and the ticket pass through the store's token cipher, as a grant's tokens do: sealed on the way
 * in (bound to which of the two it is), opened on the way out. A value that no longer opens (the key was
 * rotated away) reads as absent: it is fetched again, nobody has to authorize anything.
 */
export function sealPlatformCredentials(store: PlatformStore, cipher: TokenCipher): PlatformStore {
  const open = (kind: PlatformCredentialKind, credential: PlatformCredential | null): PlatformCredential | null => {
    if (!credential) return null;
    try {
      return { ...credential, value: cipher.open(credential.value, context(kind)) };
    } catch {
      return null;
    }
  };
  return {
    ...store,
    read: async (kind) => open(kind, await store.read(kind)),
    async peek(kind) {
      const { credential, locked } = await store.peek(kind);
      return { credential: open(kind, credential), locked };
    },
    save: (kind, credential, owner, now) => store.save(kind, { ...credential, value: cipher.seal(credential.value, context(kind)) }, owner, now),
  };
}
