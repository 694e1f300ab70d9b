import { createHash, randomBytes } from 'node:crypto';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function toBase62(bytes, length) {
    let out = '';
    for (let i = 0; i < length; i++)
        out += BASE62[bytes[i % bytes.length] % 62];
    return out;
}
/** Codes and tokens: unguessable, URL-safe. */
export function randomId(length) {
    return toBase62(randomBytes(length), length);
}
/** A 28-character, 'o'-prefixed id, stable for the same inputs (openids and unionids look like this). */
export function derivedId(...parts) {
    const digest = createHash('sha256').update(parts.join('\u0000')).digest();
    return 'o' + toBase62(digest, 27);
}
/** WeChat's request id, as it appears at the end of errmsg: three dash-separated groups of 8 hex digits. */
export function requestId() {
    const hex = randomBytes(12).toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 16)}-${hex.slice(16, 24)}`;
}
//# sourceMappingURL=ids.js.map