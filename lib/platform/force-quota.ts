/** WeChat's rule for `force_refresh: true` on /cgi-bin/stable_token: 20 a day, at least 30 s apart. */
export const FORCE_REFRESH_PER_DAY = 20;
export const FORCE_REFRESH_SPACING_MS = 30_000;

/** WeChat's days are Beijing's (UTC+8): the day number a quota counts in. */
export function beijingDay(now: number): string {
  return String(Math.floor((now + 8 * 3600_000) / (24 * 3600_000)));
}
