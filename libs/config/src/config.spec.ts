import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  describe('defaults', () => {
    it('runs on the embedded store on port 8080 with nothing set', () => {
      const c = loadConfig({});
      expect(c).toMatchObject({ port: 8080, dataDir: './.tributary', maxBodyBytes: 8 * 1024 * 1024 });
      expect(c.databaseUrl).toBeUndefined();
    });
  });

  describe('rate limits', () => {
    it('default to limits the benchmarks never reach (2,000 webhooks/s to one connector), and 0 switches one off', () => {
      expect(loadConfig({})).toMatchObject({ rateLimitPerCredential: 1000, rateLimitPerCredentialBurst: 2000,
        rateLimitPerConnector: 5000, rateLimitPerConnectorBurst: 10_000 });
      expect(loadConfig({ TRIBUTARY_RATE_LIMIT_PER_CREDENTIAL: '0', TRIBUTARY_RATE_LIMIT_PER_CONNECTOR: '2.5',
        TRIBUTARY_RATE_LIMIT_PER_CONNECTOR_BURST: '5' })).toMatchObject({ rateLimitPerCredential: 0, rateLimitPerConnector: 2.5, rateLimitPerConnectorBurst: 5 });
    });
  });

  describe('environment', () => {
    it('reads each setting from its variable', () => {
      const c = loadConfig({ PORT: '9000', TRIBUTARY_DATA_DIR: '/data', DATABASE_URL: 'postgres://u@h:5432/db',
        TRIBUTARY_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64') });
      expect(c).toMatchObject({ port: 9000, dataDir: '/data', databaseUrl: 'postgres://u@h:5432/db' });
    });

    it('reads the stall time and the longest tenant retry wait, with their defaults', () => {
      expect(loadConfig({})).toMatchObject({ stallSeconds: 30, tenantRetryMaxMs: 60_000 });
      expect(loadConfig({ TRIBUTARY_STALL_SECONDS: '5', TRIBUTARY_TENANT_RETRY_MAX_MS: '2000' })).toMatchObject({ stallSeconds: 5, tenantRetryMaxMs: 2000 });
    });

    it('reads the ClickHouse server of the analytics store; without one, the shared database is still named', () => {
      const c = loadConfig({});
      expect([c.clickhouseUrl, c.clickhouseDatabase]).toEqual([undefined, 'tributary']);
      expect(loadConfig({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_USER: 'ix', CLICKHOUSE_PASSWORD: 'pw', CLICKHOUSE_DATABASE: 'analytics' }))
        .toMatchObject({ clickhouseUrl: 'http://ch:8123', clickhouseUser: 'ix', clickhousePassword: 'pw', clickhouseDatabase: 'analytics' });
    });

    it('reads the Druid broker of the incident trends and summary, an http(s) URL', () => {
      expect(loadConfig({}).druidUrl).toBeUndefined();
      expect(loadConfig({ DRUID_URL: 'http://druid-broker:8082' }).druidUrl).toBe('http://druid-broker:8082');
      expect(() => loadConfig({ DRUID_URL: 'druid-broker:8082' })).toThrow(/DRUID_URL/);
    });
  });

  describe('security defaults', () => {
    it('keep metrics on the main port behind a credential; a metrics port binds to loopback', () => {
      const c = loadConfig({});
      expect([c.metricsPort, c.metricsHost]).toEqual([undefined, '127.0.0.1']);
      expect(loadConfig({ METRICS_PORT: '9464' }).metricsPort).toBe(9464);
    });
  });

  describe('failing fast', () => {
    const message = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('expected a ConfigError');
    };

    it('names the variable and the problem', () => {
      expect(message({ PORT: 'eighty' })).toMatch(/PORT: /);
      expect(message({ DATABASE_URL: 'not a url', TRIBUTARY_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64') })).toMatch(/DATABASE_URL/);
    });

    it('refuses a ClickHouse URL that is not HTTP and a database name ClickHouse would need quoting for', () => {
      expect(message({ CLICKHOUSE_URL: 'tcp://ch:9000' })).toMatch(/CLICKHOUSE_URL: an http/);
      expect(message({ CLICKHOUSE_DATABASE: 'my-analytics' })).toMatch(/CLICKHOUSE_DATABASE: lower-case/);
    });

    it('requires a shared encryption key in distributed mode', () => {
      expect(message({ DATABASE_URL: 'postgres://h/db' })).toMatch(/TRIBUTARY_ENCRYPTION_KEY: set TRIBUTARY_ENCRYPTION_KEY/);
    });

    it('requires an audience with an OIDC issuer', () => {
      expect(message({ OIDC_ISSUER: 'https://id.example.com' })).toMatch(/OIDC_AUDIENCE/);
    });

    it('requires Kafka for change capture by Debezium', () => {
      expect(message({ TRIBUTARY_CHANGE_CAPTURE: 'debezium' })).toMatch(/TRIBUTARY_CHANGE_CAPTURE: debezium writes the change log to Kafka/);
      expect(message({ TRIBUTARY_CHANGE_CAPTURE: 'wal' })).toMatch(/TRIBUTARY_CHANGE_CAPTURE: /);
      expect(loadConfig({ TRIBUTARY_CHANGE_CAPTURE: 'debezium', KAFKA_BROKERS: 'k:9092' }).changeCapture).toBe('debezium');
      expect(loadConfig({}).changeCapture).toBe('relay');
    });

    it('keeps the audit log longest: no retention may outlast it, and 0 (forever) outlasts every other', () => {
      expect(loadConfig({})).toMatchObject({ retentionEventLogDays: 7, retentionDeliveryKeysDays: 7, retentionOutboxDays: 7,
        retentionDeadLettersDays: 30, retentionAuditDays: 365 });
      expect(message({ TRIBUTARY_RETENTION_DEAD_LETTERS_DAYS: '400' }))
        .toMatch(/TRIBUTARY_RETENTION_AUDIT_DAYS: the audit log is kept longest: set it to at least 400 days/);
      expect(message({ TRIBUTARY_RETENTION_OUTBOX_DAYS: '0' })).toMatch(/TRIBUTARY_RETENTION_AUDIT_DAYS: .*at least 0 \(forever\)/);
      expect(loadConfig({ TRIBUTARY_RETENTION_OUTBOX_DAYS: '0', TRIBUTARY_RETENTION_AUDIT_DAYS: '0' }).retentionOutboxDays).toBe(0);
    });

    it('keeps delivery keys at least as long as the dedup window, so a redelivery inside it stays a duplicate', () => {
      expect(message({ TRIBUTARY_DEDUP_WINDOW_HOURS: '200' }))
        .toMatch(/TRIBUTARY_RETENTION_DELIVERY_KEYS_DAYS: keep delivery keys at least as long as TRIBUTARY_DEDUP_WINDOW_HOURS \(200 h\): set at least 9 days/);
      expect(loadConfig({ TRIBUTARY_DEDUP_WINDOW_HOURS: '200', TRIBUTARY_RETENTION_DELIVERY_KEYS_DAYS: '9' }).dedupWindowHours).toBe(200);
      expect(loadConfig({ TRIBUTARY_DEDUP_WINDOW_HOURS: '200', TRIBUTARY_RETENTION_DELIVERY_KEYS_DAYS: '0', TRIBUTARY_RETENTION_AUDIT_DAYS: '0' }).retentionDeliveryKeysDays).toBe(0);
    });

    it('refuses a min.insync.replicas above the replication factor', () => {
      expect(message({ KAFKA_MIN_INSYNC_REPLICAS: '2' })).toMatch(/KAFKA_MIN_INSYNC_REPLICAS: at most KAFKA_REPLICATION_FACTOR \(1\)/);
      expect(loadConfig({ KAFKA_REPLICATION_FACTOR: '3', KAFKA_MIN_INSYNC_REPLICAS: '2' })).toMatchObject({ kafkaReplicationFactor: 3, kafkaMinInsyncReplicas: 2 });
    });

    it('takes the tenant login\'s user and password together or not at all', () => {
      expect(message({ TRIBUTARY_DB_TENANT_USER: 'tenant_login' })).toMatch(/TRIBUTARY_DB_TENANT_PASSWORD: set both/);
      expect(message({ TRIBUTARY_DB_TENANT_PASSWORD: 'secret' })).toMatch(/TRIBUTARY_DB_TENANT_USER: set both/);
    });

    it('lists every problem at once', () => {
      expect(message({ PORT: '-1', TRIBUTARY_MAX_BODY_BYTES: '1' }).split('\n')).toHaveLength(3);
    });
  });
});
