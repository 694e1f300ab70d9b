import { createServer } from 'node:http';
import { parseAuthorizeQuery } from './authorize-request.js';
import { completeAuthorization, handleAuthorize, handleConfirm } from './authorize-routes.js';
import { AVATAR_SIZES, avatarSvg } from './avatar.js';
import { CONFIRM_PATH } from './consent-page.js';
import { CONTROL_PREFIX, handleControl } from './control-routes.js';
import { EmulatorState, openidOf } from './emulator-state.js';
import { resolveEmulatorOptions } from './emulator-options.js';
import { applyFault, ENDPOINTS, FaultQueue } from './faults.js';
import { sendWechatJson } from './http-util.js';
import { SNS_PATHS, snsHandlers } from './sns-routes.js';
export const AUTHORIZE_PATH = '/connect/oauth2/authorize';
/**
 * @example
 * const wechat = await startWechatEmulator();
 * const login = createLogin({ appId: wechat.defaultApp.appId, appSecret: wechat.defaultApp.appSecret,
 *   apiBaseUrl: wechat.apiBaseUrl, authorizeBaseUrl: wechat.authorizeBaseUrl, clock: wechat.clock });
 * // ...
 * await wechat.close();
 */
export async function startWechatEmulator(options) {
    const resolved = resolveEmulatorOptions(options);
    const { clock } = resolved;
    const apps = new Map(resolved.apps.map((app) => [app.appId, app]));
    const state = new EmulatorState({ clock, refreshTokenRotation: resolved.refreshTokenRotation });
    const faults = new FaultQueue();
    const calls = Object.fromEntries(ENDPOINTS.map((e) => [e, 0]));
    const users = new Map();
    const ctx = { apps, users, state };
    const server = createServer((req, res) => {
        route(req, res).catch((error) => {
            if (res.headersSent)
                return void res.destroy();
            sendWechatJson(res, { errcode: -1, errmsg: `emulator error: ${error instanceof Error ? error.message : String(error)}` }, 500);
        });
    });
    async function route(req, res) {
        const target = req.url ?? '/';
        const q = target.indexOf('?');
        const path = q === -1 ? target : target.slice(0, q);
        const rawQuery = q === -1 ? '' : target.slice(q + 1);
        const endpoint = path === AUTHORIZE_PATH ? 'authorize' : SNS_PATHS[path];
        if (endpoint) {
            calls[endpoint]++;
            const fault = faults.take(endpoint);
            if (fault)
                return applyFault(fault, req, res);
            if (endpoint === 'authorize')
                return handleAuthorize(req, res, rawQuery, ctx);
            return snsHandlers[endpoint](new URLSearchParams(rawQuery), { apps, state }, res);
        }
        if (path === CONFIRM_PATH && req.method === 'POST')
            return handleConfirm(req, res, ctx);
        if (path.startsWith(`${CONTROL_PREFIX}/`))
            return handleControl(req, res, path, emulator);
        const avatar = /^\/avatar\/([^/]+)\/(\d+)$/.exec(path);
        const avatarUser = avatar && users.get(decodeURIComponent(avatar[1]));
        if (avatar && avatarUser && AVATAR_SIZES.includes(Number(avatar[2]))) {
            res.writeHead(200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'public, max-age=86400' });
            return void res.end(avatarSvg(avatarUser, Number(avatar[2])));
        }
        sendWechatJson(res, { errcode: 404, errmsg: `emulator: no route for ${req.method} ${path}` }, 404);
    }
    await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(resolved.port, resolved.host, () => {
            server.off('error', reject);
            resolve();
        });
    });
    const { port } = server.address();
    const url = `http://${resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host}:${port}`;
    for (const user of resolved.users) {
        users.set(user.id, { ...user, headimgurl: user.headimgurl?.startsWith('/') ? url + user.headimgurl : user.headimgurl });
    }
    let closing;
    const emulator = {
        url,
        apiBaseUrl: url,
        authorizeBaseUrl: url,
        apps: resolved.apps,
        users: [...users.values()],
        defaultApp: resolved.apps[0],
        clock,
        calls,
        resetCalls() {
            for (const e of ENDPOINTS)
                calls[e] = 0;
        },
        injectFault: (endpoint, fault, times) => faults.add(endpoint, fault, times),
        clearFaults: () => faults.clear(),
        openidFor: (userId, appId = resolved.apps[0].appId) => openidOf(userId, appId),
        authorize(authorizeUrl, choice) {
            const parsed = new URL(authorizeUrl, url);
            if (parsed.pathname !== AUTHORIZE_PATH)
                throw new TypeError(`"authorizeUrl" must point at ${AUTHORIZE_PATH}, got ${parsed.pathname}`);
            const request = parseAuthorizeQuery(parsed.search.slice(1), apps);
            const user = users.get(choice.user);
            if (!user)
                throw new Error(`Unknown emulator user "${choice.user}"; known: ${[...users.keys()].join(', ')}`);
            return completeAuthorization(ctx, request, user, choice.consent ?? 'allow');
        },
        advanceTime(ms) {
            const advance = clock.advance;
            if (typeof advance !== 'function')
                throw new Error('advanceTime needs a test clock: pass createTestClock() as "clock", or omit "clock"');
            advance.call(clock, ms);
        },
        close() {
            closing ??= new Promise((resolve) => {
                server.close(() => resolve());
                // Hanging faults and keep-alive sockets would hold close() open forever.
                server.closeAllConnections();
            });
            return closing;
        },
    };
    return emulator;
}
//# sourceMappingURL=emulator.js.map