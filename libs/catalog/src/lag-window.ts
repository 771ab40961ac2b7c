/**
 * How far back GET /v1/metrics/lag looks: a whole number of minutes, hours or days (`15m`, `2h`,
 * `7d`), from one minute to seven days (retention keeps the latency a day longer).
 */
const UNIT_MINUTES = { m: 1, h: 60, d: 1440 } as const;
export const LAG_WINDOW_PATTERN = /^([1-9][0-9]{0,4})([mhd])$/;
export const MAX_LAG_WINDOW_MINUTES = 7 * 1440;

/** The window's length in minutes, or undefined when it is not `<n>m|h|d`. */
export function lagWindowMinutes(window: string): number | undefined {
  const match = LAG_WINDOW_PATTERN.exec(window);
  return match ? Number(match[1]) * UNIT_MINUTES[match[2] as keyof typeof UNIT_MINUTES] : undefined;
}
