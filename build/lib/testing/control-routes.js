import { readBody, sendJson } from './http-util.js';
export const CONTROL_PREFIX = '/__emulator';
/**
 * For child processes and the example app, which cannot reach the emulator object:
 * - `GET /__emulator/calls` → counters; `POST /__emulator/calls/reset`
 * - `POST /__emulator/faults` `{ endpoint, fault, times? }`; `DELETE /__emulator/faults`
 * - `GET /__emulator/clock` → `{ now }`; `POST /__emulator/clock/advance` `{ ms }`
 */
export async function handleControl(req, res, path, controls) {
    const route = `${req.method} ${path.slice(CONTROL_PREFIX.length)}`;
    try {
        switch (route) {
            case 'GET /calls':
                return sendJson(res, controls.calls);
            case 'POST /calls/reset':
                controls.resetCalls();
                return sendJson(res, controls.calls);
            case 'POST /faults': {
                const { endpoint, fault, times } = await readJsonObject(req);
                controls.injectFault(endpoint, fault, (times ?? 1));
                return sendJson(res, { ok: true });
            }
            case 'DELETE /faults':
                controls.clearFaults();
                return sendJson(res, { ok: true });
            case 'GET /clock':
                return sendJson(res, { now: controls.clock.now() });
            case 'POST /clock/advance': {
                const { ms } = await readJsonObject(req);
                controls.advanceTime(ms);
                return sendJson(res, { now: controls.clock.now() });
            }
            default:
                return sendJson(res, { error: `no emulator control ${route}` }, 404);
        }
    }
    catch (error) {
        sendJson(res, { error: error instanceof Error ? error.message : String(error) }, 400);
    }
}
async function readJsonObject(req) {
    const text = await readBody(req);
    const value = text ? JSON.parse(text) : {};
    if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw new TypeError('body must be a JSON object');
    return value;
}
//# sourceMappingURL=control-routes.js.map