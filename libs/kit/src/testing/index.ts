/**
 * @onceonly/kit/testing: hosting service modules in tests and benchmarks, the way the hub hosts them; and hostile
 * raw requests for edge tests.
 * (It lives in the kit, not in @onceonly/testing, because @onceonly/events and @onceonly/store use @onceonly/testing
 * in their own tests: @onceonly/testing depending on the kit would make the build graph circular.)
 */
export {
  type HostedModules,
  type HostModulesOptions,
  hostModules,
  type MemoryLogger,
  memoryLogger,
  uniqueNamespace,
} from './host-modules.js';
export {
  devCallerMetadata,
  type ExpectedRefusal,
  errorCodeOf,
  oversizedRequest,
  type RawCaller,
  refusal,
  refusalOf,
  refusedRawCall,
  withRawBytes,
} from './raw-requests.js';
