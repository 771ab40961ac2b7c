import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { Metrics } from '@tributary/observability';

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The process's metrics on a port of their own (METRICS_PORT), without a credential: bind it where
 * only Prometheus reaches (METRICS_HOST, loopback by default). It answers GET /metrics and nothing else.
 */
export async function serveMetrics(metrics: Metrics, port: number, host: string): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') return void res.writeHead(404).end();
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { address, port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${bound}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
