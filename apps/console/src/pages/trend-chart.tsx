import { useEffect, useRef } from 'react';
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import type { Trends } from '../api';

// Only the parts drawn here, so the bundle carries no other chart. SVG rather than canvas: what is drawn is
// in the DOM, where a browser test (and a screen reader's "graphics" mode) can see it.
echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

/** Buckets as axis labels: the hour shown only when the trend is hourly. */
const label = (time: string, granularity: Trends['granularity']) => {
  const d = new Date(time);
  return granularity === 'hour' ? d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString([], { month: 'short', day: 'numeric' });
};

/** Incidents opened per bucket, one stacked bar series per group; the table beside it is the text alternative. */
export function TrendChart({ trends }: { trends: Trends }) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    if (!element.current) return undefined;
    const instance = echarts.init(element.current, undefined, { renderer: 'svg' });
    chart.current = instance;
    const resize = () => instance.resize();
    window.addEventListener('resize', resize);
    return () => { window.removeEventListener('resize', resize); instance.dispose(); chart.current = null; };
  }, []);

  useEffect(() => {
    const times = trends.series[0]?.points.map((p) => label(p.time, trends.granularity)) ?? [];
    chart.current?.setOption({
      animation: false,
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 40, right: 16, top: 36, bottom: 28 },
      xAxis: { type: 'category', data: times },
      yAxis: { type: 'value', minInterval: 1 },
      series: trends.series.map((s) => ({ name: s.key, type: 'bar', stack: 'opened', data: s.points.map((p) => p.opened) })),
    }, { notMerge: true });
  }, [trends]);

  // aria-hidden: the chart is drawn for the eye; TrendTable says the same in text
  return <div ref={element} className="trend-chart" data-testid="trend-chart" data-buckets={trends.series[0]?.points.length ?? 0} aria-hidden="true" />;
}

/** The trend in words: incidents opened per group over the range, and those still open at its end. */
export function TrendTable({ trends }: { trends: Trends }) {
  if (trends.series.length === 0) return <p data-testid="trend-summary">No incidents in this range.</p>;
  return (
    <table aria-label={`Incidents by ${trends.groupBy}`} data-testid="trend-summary">
      <thead>
        <tr><th scope="col">{trends.groupBy}</th><th scope="col">Opened</th><th scope="col">Resolved</th><th scope="col">Open at the end</th></tr>
      </thead>
      <tbody>
        {trends.series.map((s) => (
          <tr key={s.key}>
            <th scope="row">{s.key}</th>
            <td>{s.points.reduce((n, p) => n + p.opened, 0)}</td>
            <td>{s.points.reduce((n, p) => n + p.resolved, 0)}</td>
            <td>{s.points.at(-1)?.openAtEnd ?? 0}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
