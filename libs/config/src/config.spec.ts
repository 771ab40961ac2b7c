import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  describe('defaults', () => {
    it('runs on the embedded store on port 8080 with nothing set', () => {
      const c = loadConfig({});
      expect(c).toMatchObject({ port: 8080, dataDir: './.tributary', maxBodyBytes: 8 * 1024 * 1024 });
      expect(c.databaseUrl).toBeUndefined();
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

    it('lists every problem at once', () => {
      expect(message({ PORT: '-1', TRIBUTARY_MAX_BODY_BYTES: '1' }).split('\n')).toHaveLength(3);
    });
  });
});
