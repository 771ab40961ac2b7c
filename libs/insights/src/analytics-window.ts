/**
 * A look-back window as the API takes it: a whole number of hours, days or weeks (`12h`, `30d`, `4w`),
 * from one hour to 365 days.
 */
const UNIT_HOURS = { h: 1, d: 24, w: 168 } as const;
export const WINDOW_PATTERN = /^([1-9][0-9]{0,4})([hdw])$/;
export const MAX_WINDOW_HOURS = 365 * 24;

/** The window's length in hours, or undefined when it is not `<n>h|d|w`. */
export function windowHours(window: string): number | undefined {
  const match = WINDOW_PATTERN.exec(window);
  return match ? Number(match[1]) * UNIT_HOURS[match[2] as keyof typeof UNIT_HOURS] : undefined;
}
