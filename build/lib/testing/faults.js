import { requestId } from './ids.js';
export const ENDPOINTS = ['authorize', 'access_token', 'refresh_token', 'userinfo', 'auth'];
export const FAULTS = ['busy', 'http500', 'garbage', 'hang', 'reset'];
/** Faults waiting for the next calls of an endpoint, consumed in the order they were injected. */
export class FaultQueue {
    queue = [];
    add(endpoint, fault, times = 1) {
        if (endpoint !== '*' && !ENDPOINTS.includes(endpoint)) {
            throw new TypeError(`"endpoint" must be one of ${ENDPOINTS.join(', ')} or '*', got ${JSON.stringify(endpoint)}`);
        }
        if (!FAULTS.includes(fault)) {
            throw new TypeError(`"fault" must be one of ${FAULTS.join(', ')}, got ${JSON.stringify(fault)}`);
        }
        if (!Number.isInteger(times) || times < 1)
            throw new TypeError('"times" must be a positive integer');
        this.queue.push({ endpoint, fault, remaining: times });
    }
    clear() {
        this.queue = [];
    }
    /** The fault for this call, if one is due; using it counts down its `times`. */
    take(endpoint) {
        const index = this.queue.findIndex((f) => f.endpoint === '*' || f.endpoint === endpoint);
        if (index === -1)
            return undefined;
        const entry = this.queue[index];
        if (--entry.remaining === 0)
            this.queue.splice(index, 1);
        return entry.fault;
    }
}
/** Answers (or refuses to answer) a request the way the fault describes. */
export function applyFault(fault, req, res) {
    switch (fault) {
        case 'busy': {
            const body = JSON.stringify({ errcode: -1, errmsg: `system error, rid: ${requestId()}` });
            res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) });
            res.end(body);
            return;
        }
        case 'http500':
            res.writeHead(500, { 'Content-Type': 'text/html' });
            res.end('<html><body><h1>500 Internal Server Error</h1></body></html>');
            return;
        case 'garbage':
            res.writeHead(200, { 'Content-Type': 'text/plain' });
            res.end('<html><head><title>502 Bad Gateway</title></head><body>stgw</body></html>');
            return;
        case 'hang':
            // Nothing is written; the emulator's close() destroys the socket.
            return;
        case 'reset':
            req.socket.destroy();
            return;
    }
}
//# sourceMappingURL=faults.js.map