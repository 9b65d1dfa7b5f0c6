/**
 * The OpenAPI 3.1 document generated from proto/ at build time (issue 15, ADR 032): valid for a validator the
 * project did not write, and complete: every RPC of every service the contracts define is in it, by POST, and by GET
 * exactly when the proto marks it NO_SIDE_EFFECTS.
 */
import { readFileSync } from 'node:fs';
import { createFileRegistry, fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema, MethodOptions_IdempotencyLevel } from '@bufbuild/protobuf/wkt';
import * as contracts from '@onceonly/contracts';
import { descriptorSetPath, openapiPath } from '@onceonly/contracts';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { PLATFORM_SCOPE_NAMES } from './oauth/index.js';

interface Operation {
  operationId: string;
  requestBody?: { content: Record<string, unknown> };
}
const document = JSON.parse(readFileSync(openapiPath, 'utf8')) as {
  openapi: string;
  paths: Record<string, { post?: Operation; get?: Operation }>;
};

/** Every method path of every grpc-js service definition the contracts export (ts-proto's `…Service` objects). */
function contractPaths(): string[] {
  const paths: string[] = [];
  const visit = (value: unknown, depth: number) => {
    if (typeof value !== 'object' || value === null || depth > 2) return;
    for (const entry of Object.values(value)) {
      if (typeof entry === 'object' && entry !== null && typeof (entry as { path?: unknown }).path === 'string') {
        const path = (entry as { path: string }).path;
        if (/^\/onceonly\.[a-z0-9.]+\.[A-Za-z]+Service\/[A-Za-z]+$/.test(path)) paths.push(path);
      } else visit(entry, depth + 1);
    }
  };
  visit(contracts, 0);
  return [...new Set(paths)].sort();
}

describe('the generated OpenAPI document', () => {
  it('is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator)', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('has every RPC of every service in the contracts, as POST with a JSON (or Connect streaming) body', () => {
    const paths = contractPaths();
    expect(paths.length).toBeGreaterThan(80);
    for (const path of paths) {
      const item = document.paths[path];
      expect(item?.post?.operationId, path).toBe(path.slice(1).replace('/', '.'));
      const types = Object.keys(item?.post?.requestBody?.content ?? {});
      expect(
        types.some((t) => t === 'application/json' || t === 'application/connect+json'),
        path,
      ).toBe(true);
    }
    expect(Object.keys(document.paths).sort()).toEqual(paths);
  });

  it('serves by GET exactly the methods the protos mark NO_SIDE_EFFECTS', () => {
    const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(descriptorSetPath)));
    let safe = 0;
    for (const path of contractPaths()) {
      const [, serviceName, methodName] = path.split('/');
      const method = registry.getService(serviceName!)?.methods.find((m) => m.name === methodName);
      const noSideEffects = method?.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS;
      if (noSideEffects) safe += 1;
      expect(document.paths[path]?.get !== undefined, path).toBe(noSideEffects);
    }
    expect(safe).toBeGreaterThan(30);
  });

  it('describes the platform token (OAuth 2.0 client credentials) with the scopes the hub grants', () => {
    const schemes = (document as unknown as { components: { securitySchemes: Record<string, unknown> } }).components
      .securitySchemes;
    expect(schemes.platformToken).toMatchObject({
      type: 'oauth2',
      flows: { clientCredentials: { tokenUrl: '/oauth2/token' } },
    });
    const flow = (schemes.platformToken as { flows: { clientCredentials: { scopes: object } } }).flows
      .clientCredentials;
    expect(Object.keys(flow.scopes)).toEqual(PLATFORM_SCOPE_NAMES);
  });
});
