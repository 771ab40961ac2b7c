import 'reflect-metadata';
import { ConfigError, loadConfig } from '@tributary/config';
import { runApp } from '@tributary/platform';
import { indexerApp } from './indexer.app';

/**
 * The indexer on its own needs a ClickHouse server: the embedded engine (chdb) opens one data
 * directory per process, and it belongs to the all-in-one platform (`npm start`). A configuration
 * that does not load at all is runApp's to report, with every variable to fix.
 */
function hasAnalyticsServer(): boolean {
  try {
    return loadConfig().clickhouseUrl !== undefined;
  } catch (err) {
    if (err instanceof ConfigError) return true;
    throw err;
  }
}

if (!hasAnalyticsServer()) {
  console.error('the indexer needs a ClickHouse server: set CLICKHOUSE_URL (e.g. http://clickhouse:8123), and CLICKHOUSE_USER/CLICKHOUSE_PASSWORD '
    + 'if it asks for them. Without a server, run the all-in-one platform (npm start): it indexes into the embedded engine itself.');
  process.exit(2);
}
void runApp(indexerApp);
