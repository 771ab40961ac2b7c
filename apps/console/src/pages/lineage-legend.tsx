/** What the lineage graph's colours and marks mean (each node says its health in words as well). */
export function LineageLegend({ showsPath }: { showsPath: boolean }) {
  return (
    <ul className="lineage-legend" aria-label="Legend of the lineage graph">
      <li><span className="swatch health-healthy" aria-hidden="true" /> healthy</li>
      <li><span className="swatch health-warning" aria-hidden="true" /> warning: an open incident here or upstream</li>
      <li><span className="swatch health-critical" aria-hidden="true" /> critical: an open SEV-1 or SEV-2 incident</li>
      {showsPath && <li><span className="swatch on-path" aria-hidden="true" /> on the tag's path</li>}
      <li><span className="swatch more" aria-hidden="true">+N</span> N assets hidden beyond the depth shown: select to show them</li>
    </ul>
  );
}
