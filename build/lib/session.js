import session from 'express-session';
import { RedisStore } from 'connect-redis';
export function createSessionMiddleware(config, redis, keyPrefix) {
    const store = redis
        ? new RedisStore({ client: redis, prefix: keyPrefix, ttl: config.ttlSeconds })
        : undefined; // express-session's MemoryStore: for the one-process demo only (it warns in production)
    return session({
        name: config.name,
        secret: config.secret,
        ...(store ? { store } : {}),
        resave: false,
        saveUninitialized: false,
        rolling: false,
        // Lets `secure: 'auto'` and secure cookies work behind a TLS-terminating proxy with `trust proxy` set.
        proxy: undefined,
        cookie: config.cookie,
    });
}
export function regenerateSession(req) {
    return new Promise((resolve, reject) => req.session.regenerate((error) => (error ? reject(error) : resolve())));
}
export function saveSession(req) {
    return new Promise((resolve, reject) => req.session.save((error) => (error ? reject(error) : resolve())));
}
export function destroySession(req) {
    return new Promise((resolve, reject) => req.session.destroy((error) => (error ? reject(error) : resolve())));
}
//# sourceMappingURL=session.js.map