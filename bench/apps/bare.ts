import express, { type Express } from 'express';
import { Redis } from 'ioredis';
import { comparisonSession, type HostConfig } from './shared.js';

declare module 'express-session' {
  interface SessionData {
    benchUser?: unknown;
  }
}

/**
 * The floor: express-session on connect-redis with our session options, and a route that returns the user
 * kept in the session. No login logic at all; POST /seed puts a user into a new session.
 */
export function createBareApp(config: HostConfig): { app: Express; close(): Promise<void> } {
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 2_000 });
  const app = express();
  app.disable('x-powered-by');
  app.use(comparisonSession(redis, 'bare:sess:'));
  app.post('/seed', express.json(), (req, res) => {
    req.session.benchUser = req.body;
    res.status(204).end();
  });
  app.get('/api/me', (req, res) => {
    if (!req.session.benchUser) return void res.status(401).json({ error: 'login_required' });
    res.json(req.session.benchUser);
  });
  return { app, close: async () => void (await redis.quit()) };
}
