/**
 * Times cross the wire as text (chdb takes text formats only): 'YYYY-MM-DD hh:mm:ss.sss' in UTC,
 * the form every DateTime64(3, 'UTC') column reads and writes.
 */
export function toClickHouseTime(time: Date): string {
  return time.toISOString().replace('T', ' ').replace('Z', '');
}

export function fromClickHouseTime(text: string): Date {
  return new Date(`${text.replace(' ', 'T')}Z`);
}
