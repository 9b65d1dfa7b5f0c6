export { buildLibsDist, runNodeScript, type ScriptRun } from './child-process.js';
export type { ProvidedTestContext } from './context.js';
export { adminDatabaseUrl, freshDatabase, type TestDatabase } from './database.js';
export { createTopic, kafkaBrokers, testKafka, uniqueTopic } from './kafka.js';
export { certificatePem, joseToDer, openssl } from './openssl.js';
export {
  baseChildEnv,
  type CliRun,
  freePort,
  type HubProcess,
  type PrivateBroker,
  readEnvFile,
  runCli,
  runCliJson,
  startHubProcess,
  startPrivateBroker,
  stopProcess,
} from './processes.js';
export { type WaitForOptions, waitFor } from './wait.js';
