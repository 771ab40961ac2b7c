/** An asset's health in words and colour (the words carry it: colour alone is not enough). */
export function HealthBadge({ status }: { status: 'healthy' | 'warning' | 'critical' }) {
  return <span className={`badge health-${status}`}>{status}</span>;
}
