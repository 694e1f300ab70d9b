import createDebug from 'debug';
/** Namespaced debug loggers: `DEBUG=wechat-official-login:*`. Never pass a token or secret to them. */
export function logger(scope) {
    return createDebug(`wechat-official-login:${scope}`);
}
//# sourceMappingURL=debug.js.map