export const systemClock = { now: () => Date.now() };
/**
 * @example
 * const clock = createTestClock();
 * clock.advance(7200 * 1000); // every access token issued so far is now expired
 */
export function createTestClock(startMs = Date.now()) {
    let current = startMs;
    return {
        now: () => current,
        advance(ms) {
            if (!Number.isFinite(ms) || ms < 0)
                throw new RangeError('"ms" must be a non-negative finite number');
            current += ms;
        },
        set(ms) {
            current = ms;
        },
    };
}
//# sourceMappingURL=clock.js.map