import { existsSync } from 'node:fs';
import protobuf from 'protobufjs';
import { protoFiles } from './reflection.js';
import type { WireSchema } from './wire-check.js';

/**
 * The wire check's schemas of request messages, read from the .proto files the server already serves by reflection.
 * ts-proto's generated code carries no descriptors, so the check learns from the sources which length-delimited
 * fields hold messages (and map entries, which are messages `{1: key, 2: value}` on the wire).
 */
export interface RequestSchemas {
  /** The schema of a method's request, by its gRPC path (`/pkg.Service/Method`); undefined when not in the protos. */
  forPath(path: string): WireSchema | undefined;
}

/** The schemas already loaded in this process, by their folders: every server of a process shares one load. */
const loaded = new Map<string, RequestSchemas>();

/**
 * The request schemas of every .proto under `protoDirs`, loaded once per process (about 15–25 ms here: a process
 * that starts many servers, a test run for one, pays it once).
 */
export function loadRequestSchemas(protoDirs: readonly string[]): RequestSchemas {
  const key = protoDirs.join('\0');
  let schemas = loaded.get(key);
  if (schemas === undefined) {
    schemas = readRequestSchemas(protoDirs);
    loaded.set(key, schemas);
  }
  return schemas;
}

function readRequestSchemas(protoDirs: readonly string[]): RequestSchemas {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) =>
    protoDirs.map((dir) => `${dir}/${target}`).find((path) => existsSync(path)) ?? target;
  root.loadSync(protoDirs.flatMap((dir) => protoFiles(dir)));
  root.resolveAll();
  const schemas = new Map<protobuf.Type, WireSchema>();
  return {
    forPath(path) {
      const [, service = '', method = ''] = /^\/([^/]+)\/([^/]+)$/.exec(path) ?? [];
      const found = root.lookup(service);
      const type = found instanceof protobuf.Service ? found.methods[method]?.resolvedRequestType : undefined;
      return type ? schemaOf(type, schemas) : undefined;
    },
  };
}

/** The schema of a message type (memoised: message types may refer to themselves). */
function schemaOf(type: protobuf.Type, schemas: Map<protobuf.Type, WireSchema>): WireSchema {
  const known = schemas.get(type);
  if (known) return known;
  // each field's schema made once (a map field's entries are walked one by one); numbers the type does not have are
  // not remembered, so that a request cannot grow this
  const fields = new Map<number, WireSchema | undefined>();
  const schema: WireSchema = {
    nested: (fieldNumber) => {
      if (fields.has(fieldNumber)) return fields.get(fieldNumber);
      const field = type.fieldsById[fieldNumber];
      const found = fieldSchema(field, schemas);
      if (field !== undefined) fields.set(fieldNumber, found);
      return found;
    },
  };
  schemas.set(type, schema);
  return schema;
}

function fieldSchema(field: protobuf.Field | undefined, schemas: Map<protobuf.Type, WireSchema>) {
  if (field === undefined) return undefined;
  const message = field.resolvedType instanceof protobuf.Type ? schemaOf(field.resolvedType, schemas) : undefined;
  // a map entry is a message of its own: its fields are checked, and its value (field 2) when it is a message
  if (field instanceof protobuf.MapField) return { nested: (n: number) => (n === 2 ? message : undefined) };
  return message;
}
