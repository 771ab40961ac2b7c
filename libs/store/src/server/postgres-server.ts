/**
 * The metadata store's server port: where a PostgreSQL comes from. The embedded adapter starts one
 * inside the app (npm start on a laptop); the external adapter uses any server given by a URL.
 * Everything above this port (pools, migrations, repositories) is the same for both.
 */
export interface PostgresServer {
  /** Starts the server if this adapter owns one; resolves when it accepts connections. */
  start(): Promise<void>;
  /** Connection string of the database the platform uses. */
  connectionString(): string;
  /** Stops the server if this adapter started it. */
  stop(): Promise<void>;
  /** One line for logs: which server, where. */
  describe(): string;
}
