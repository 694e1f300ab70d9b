import { requestId } from './ids.js';
/** WeChat's API answers JSON labelled text/plain; clients must parse the body regardless. */
export function sendWechatJson(res, body, status = 200) {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
}
export function sendWechatError(res, error, status = 200) {
    sendWechatJson(res, { errcode: error.errcode, errmsg: `${error.errmsg}, rid: ${requestId()}` }, status);
}
/** The emulator's own control API speaks ordinary JSON. */
export function sendJson(res, body, status = 200) {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
}
export function sendHtml(res, html, status = 200, headers = {}) {
    res.writeHead(status, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': Buffer.byteLength(html),
        'Cache-Control': 'no-store',
        ...headers,
    });
    res.end(html);
}
export function redirect(res, location, headers = {}) {
    res.writeHead(302, { Location: location, 'Cache-Control': 'no-store', 'Content-Length': 0, ...headers });
    res.end();
}
const MAX_BODY_BYTES = 64 * 1024;
export async function readBody(req) {
    const chunks = [];
    let size = 0;
    for await (const chunk of req) {
        size += chunk.length;
        if (size > MAX_BODY_BYTES)
            throw new RangeError('request body too large');
        chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
}
export function readCookie(req, name) {
    for (const part of (req.headers.cookie ?? '').split(';')) {
        const eq = part.indexOf('=');
        if (eq !== -1 && part.slice(0, eq).trim() === name) {
            try {
                return decodeURIComponent(part.slice(eq + 1).trim());
            }
            catch {
                return undefined;
            }
        }
    }
    return undefined;
}
//# sourceMappingURL=http-util.js.map