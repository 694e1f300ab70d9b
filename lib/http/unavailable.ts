import type { Response } from 'express';

/** How long to wait after one of our 503s: WeChat or Redis busy for a moment. */
const RETRY_AFTER_SECONDS = 2;

/**
 * 503 with `Retry-After`: `{ "error": "wechat_unavailable" }` for a JSON caller, else `page` (a short page that
 * offers to try again). Every "busy for a moment" answer of ours, so they all read the same.
 */
export function sendUnavailable(res: Response, asJson: boolean, page: string): void {
  res.status(503).set('Retry-After', String(RETRY_AFTER_SECONDS));
  if (asJson) res.json({ error: 'wechat_unavailable' });
  else res.send(page);
}
