/**
 * @onceonly/hub: the `onceonly` launcher and CLI. `startHub` hosts every service in one process on one gRPC port.
 */
export { buildCli, EXIT, runCli } from './cli.js';
export { channelOptions, type HubTarget, parseHubTarget } from './client.js';
export { HUB_CONFIG, type HubConfig, loadHubConfig } from './config.js';
export { HUB_SCHEMA, HUB_TOPIC, HubStarted, HubStopped } from './hub-events.js';
export { type RunningHub, type StartOptions, startHub } from './start.js';
