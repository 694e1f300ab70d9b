/**
 * A figure a test measured on the way (latencies, round trips, spread), printed only when asked for with
 * TEST_FIGURES=1, so a passing run prints jest's own lines and nothing else. The numbers a note or the README
 * quotes come from `npm run bench`; these are for looking into one suite.
 */
export function reportFigure(text: string): void {
  if (process.env.TEST_FIGURES === '1') process.stdout.write(`${text}\n`);
}
