import { readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';

/** Fully-qualified name of the standard health service. */
export const HEALTH_SERVICE = 'grpc.health.v1.Health';

/** grpc-health-check ships `proto/health/v1/health.proto`: its include root is three folders up. */
const HEALTH_INCLUDE_DIR = resolve(dirname(healthProtoPath), '../..');
const HEALTH_FILE = 'health/v1/health.proto';

/** Every `.proto` file under `root`, relative to it, sorted. */
export function protoFiles(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return protoFiles(root, path);
      return entry.isFile() && entry.name.endsWith('.proto') ? [relative(root, path).split(sep).join('/')] : [];
    })
    .sort();
}

/**
 * Loads descriptors for server reflection: every `.proto` under the given folders plus the health proto.
 * ts-proto's generated code carries no descriptors, so reflection needs the sources at start.
 */
export function loadReflectionDescriptors(protoDirs: readonly string[]): PackageDefinition {
  const files = protoDirs.flatMap((dir) => protoFiles(dir));
  return loadSync([...files, HEALTH_FILE], { includeDirs: [...protoDirs, HEALTH_INCLUDE_DIR] });
}
