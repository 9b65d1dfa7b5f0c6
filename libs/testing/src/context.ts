/**
 * Values the int project's global setup (`global-setup.ts`) hands to every test file through vitest's
 * `provide`/`inject`: `inject('kafkaBrokers')`, `inject('databaseUrl')`.
 */
export interface ProvidedTestContext {
  /** Comma-separated `host:port` list of the Kafka broker(s) for this test run. */
  kafkaBrokers: string;
  /** PostgreSQL server URL for this test run (an admin connection: make a database per file with `freshDatabase`). */
  databaseUrl: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    databaseUrl: string;
  }
}
