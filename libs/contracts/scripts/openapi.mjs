// Generates OpenAPI 3.1 from the descriptor set that `buf build` writes (src/gen/descriptors.binpb), at build time:
// every RPC of every onceonly service as the Connect protocol serves it over HTTP (POST with a JSON body; GET for the
// methods marked `idempotency_level = NO_SIDE_EFFECTS`), its messages as JSON Schema in the proto3 JSON mapping, and
// the Connect error body. Run by scripts/generate.sh; its output (src/gen/openapi.json) is never edited by hand.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFileRegistry, fromBinary, ScalarType } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema, MethodOptions_IdempotencyLevel } from '@bufbuild/protobuf/wkt';

const here = dirname(fileURLToPath(import.meta.url));
const gen = resolve(here, '../src/gen');
const root = resolve(here, '../../..');
const set = fromBinary(FileDescriptorSetSchema, readFileSync(resolve(gen, 'descriptors.binpb')));
const registry = createFileRegistry(set);
const version = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')).version ?? '0.0.0';

/** Leading comments by fully-qualified name (messages, fields, enums, services, methods), from the source info. */
const comments = new Map();
for (const file of set.file) {
  const byPath = new Map();
  for (const location of file.sourceCodeInfo?.location ?? []) {
    const text = (location.leadingComments || location.trailingComments || '').trim();
    if (text) byPath.set(location.path.join('.'), text.replace(/\n /g, '\n'));
  }
  const prefix = file.package ? `${file.package}.` : '';
  const walkMessage = (message, name, path) => {
    note(name, path);
    message.field.forEach((field, i) => {
      note(`${name}.${field.name}`, [...path, 2, i]);
    });
    message.nestedType.forEach((nested, i) => {
      walkMessage(nested, `${name}.${nested.name}`, [...path, 3, i]);
    });
    message.enumType.forEach((e, i) => {
      note(`${name}.${e.name}`, [...path, 4, i]);
    });
  };
  const note = (name, path) => {
    const text = byPath.get(path.join('.'));
    if (text) comments.set(name, text);
  };
  file.messageType.forEach((m, i) => {
    walkMessage(m, `${prefix}${m.name}`, [4, i]);
  });
  file.enumType.forEach((e, i) => {
    note(`${prefix}${e.name}`, [5, i]);
  });
  file.service.forEach((s, i) => {
    note(`${prefix}${s.name}`, [6, i]);
    s.method.forEach((m, j) => {
      note(`${prefix}${s.name}.${m.name}`, [6, i, 2, j]);
    });
  });
}

const described = (schema, name) => {
  const text = comments.get(name);
  return text ? { ...schema, description: text } : schema;
};

const schemas = {};
const ref = (typeName) => ({ $ref: `#/components/schemas/${typeName}` });

/** The proto3 JSON mapping of the well-known types this API uses. */
const WELL_KNOWN = {
  'google.protobuf.Timestamp': { type: 'string', format: 'date-time' },
  'google.protobuf.Duration': { type: 'string', pattern: '^-?[0-9]+(\\.[0-9]+)?s$' },
  'google.protobuf.Empty': { type: 'object' },
  'google.protobuf.Struct': { type: 'object', additionalProperties: true },
  'google.protobuf.Value': {},
  'google.protobuf.Any': {
    type: 'object',
    properties: { '@type': { type: 'string' } },
    required: ['@type'],
    additionalProperties: true,
  },
};

function scalarSchema(scalar) {
  switch (scalar) {
    case ScalarType.STRING:
      return { type: 'string' };
    case ScalarType.BOOL:
      return { type: 'boolean' };
    case ScalarType.BYTES:
      return { type: 'string', contentEncoding: 'base64' };
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return { type: 'number' };
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return { type: ['string', 'integer'], format: 'int64', pattern: '^-?[0-9]+$' };
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return { type: ['string', 'integer'], format: 'uint64', pattern: '^[0-9]+$' };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: 'integer', format: 'uint32', minimum: 0 };
    default:
      return { type: 'integer', format: 'int32' };
  }
}

function enumSchema(desc) {
  if (!schemas[desc.typeName]) {
    schemas[desc.typeName] = described({ type: 'string', enum: desc.values.map((v) => v.name) }, desc.typeName);
  }
  return ref(desc.typeName);
}

function messageSchema(desc) {
  const known = WELL_KNOWN[desc.typeName];
  if (known) return known;
  if (schemas[desc.typeName]) return ref(desc.typeName);
  schemas[desc.typeName] = {}; // placeholder: recursive messages refer to themselves
  const properties = {};
  for (const field of desc.fields) {
    properties[field.jsonName] = described(fieldSchema(field), `${desc.typeName}.${field.name}`);
  }
  const oneofs = desc.oneofs.filter((o) => o.fields.length > 1 || !o.fields[0]?.proto.proto3Optional);
  const text = [
    comments.get(desc.typeName),
    ...oneofs.map((o) => `At most one of ${o.fields.map((f) => `\`${f.jsonName}\``).join(', ')} (${o.name}).`),
  ]
    .filter(Boolean)
    .join('\n\n');
  schemas[desc.typeName] = { type: 'object', properties, ...(text ? { description: text } : {}) };
  return ref(desc.typeName);
}

function singular(field) {
  if (field.message) return messageSchema(field.message);
  if (field.enum) return enumSchema(field.enum);
  return scalarSchema(field.scalar);
}

function fieldSchema(field) {
  switch (field.fieldKind) {
    case 'list':
      return { type: 'array', items: singular({ ...field, message: field.message, enum: field.enum }) };
    case 'map': {
      const value =
        field.mapKind === 'message'
          ? messageSchema(field.message)
          : field.mapKind === 'enum'
            ? enumSchema(field.enum)
            : scalarSchema(field.scalar);
      return { type: 'object', additionalProperties: value };
    }
    default:
      return singular(field);
  }
}

const connectError = {
  type: 'object',
  description: 'A Connect error (connectrpc.com/docs/protocol): the code, a message, and typed details.',
  properties: {
    code: {
      type: 'string',
      enum: [
        'canceled',
        'unknown',
        'invalid_argument',
        'deadline_exceeded',
        'not_found',
        'already_exists',
        'permission_denied',
        'resource_exhausted',
        'failed_precondition',
        'aborted',
        'out_of_range',
        'unimplemented',
        'internal',
        'unavailable',
        'data_loss',
        'unauthenticated',
      ],
    },
    message: { type: 'string' },
    details: {
      type: 'array',
      description:
        'google.rpc.ErrorInfo (reason = the OnceOnly error code) and google.rpc.BadRequest (field violations).',
      items: {
        type: 'object',
        properties: {
          type: { type: 'string', description: 'fully-qualified message name, e.g. google.rpc.ErrorInfo' },
          value: { type: 'string', contentEncoding: 'base64', description: 'the detail, protobuf, base64' },
          debug: { type: 'object', description: 'the detail as JSON (informative)', additionalProperties: true },
        },
        required: ['type', 'value'],
      },
    },
  },
  required: ['code'],
};

const errorResponse = {
  description: 'An error: HTTP status from the Connect code (400, 401, 403, 404, 409, 429, 500, 503, 504...)',
  content: { 'application/json': { schema: ref('connect.error') } },
};

const headers = [
  { $ref: '#/components/parameters/ConnectProtocolVersion' },
  { $ref: '#/components/parameters/ConnectTimeout' },
  { $ref: '#/components/parameters/RequestId' },
];

const paths = {};
const tags = [];
const services = [];
for (const file of registry.files) {
  if (!file.proto.package.startsWith('onceonly.')) continue;
  for (const service of file.services) services.push(service);
}
services.sort((a, b) => a.typeName.localeCompare(b.typeName));
for (const service of services) {
  tags.push(described({ name: service.typeName }, service.typeName));
  for (const method of service.methods) {
    const name = `${service.typeName}.${method.name}`;
    const summary = comments.get(name)?.split('\n')[0];
    const base = {
      tags: [service.typeName],
      ...(summary ? { summary } : {}),
      ...(comments.get(name) ? { description: comments.get(name) } : {}),
    };
    const input = messageSchema(method.input);
    const output = messageSchema(method.output);
    const item = {};
    if (method.methodKind === 'server_streaming') {
      item.post = {
        ...base,
        operationId: name,
        description:
          `${base.description ?? ''}\n\nServer streaming: Connect's streaming protocol, \`application/connect+json\`; each message is enveloped (one flag byte, four length bytes, then the JSON), and an end-of-stream envelope carries the error if any.`.trim(),
        parameters: headers,
        requestBody: { required: true, content: { 'application/connect+json': { schema: input } } },
        responses: {
          200: {
            description: 'a stream of enveloped messages',
            content: { 'application/connect+json': { schema: output } },
          },
          default: errorResponse,
        },
      };
    } else {
      item.post = {
        ...base,
        operationId: name,
        parameters: headers,
        requestBody: { required: true, content: { 'application/json': { schema: input } } },
        responses: {
          200: { description: 'the response', content: { 'application/json': { schema: output } } },
          default: errorResponse,
        },
      };
      if (method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS) {
        item.get = {
          ...base,
          operationId: `${name}.get`,
          parameters: [
            ...headers,
            { name: 'connect', in: 'query', schema: { type: 'string', enum: ['v1'] } },
            { name: 'encoding', in: 'query', required: true, schema: { type: 'string', enum: ['json'] } },
            {
              name: 'message',
              in: 'query',
              required: true,
              description: 'the request message as JSON (URL-encoded), or base64url with base64=1',
              content: { 'application/json': { schema: input } },
            },
            { name: 'base64', in: 'query', schema: { type: 'string', enum: ['1'] } },
          ],
          responses: {
            200: {
              description: 'the response; `ETag` and `Cache-Control: private, no-cache` (revalidate: answers are live)',
              content: { 'application/json': { schema: output } },
            },
            304: { description: 'not modified (If-None-Match matched the ETag)' },
            default: errorResponse,
          },
        };
      }
    }
    paths[`/${service.typeName}/${method.name}`] = item;
  }
}

schemas['connect.error'] = connectError;
const sorted = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
const document = {
  openapi: '3.1.0',
  info: {
    title: 'OnceOnly hub',
    version,
    description:
      "Every RPC of the hub's services over HTTP in the Connect protocol (connectrpc.com/docs/protocol): POST `/<package>.<Service>/<Method>` with a JSON body in the proto3 JSON mapping; methods without side effects also by GET (`?encoding=json&message=...`). The same handlers and checks as gRPC. Generated from proto/ at build time.",
  },
  servers: [{ url: '/' }],
  tags,
  security: [{ mutualTLS: [] }, { platformToken: [] }, { developmentIdentity: [] }],
  paths,
  components: {
    schemas: sorted,
    parameters: {
      ConnectProtocolVersion: {
        name: 'Connect-Protocol-Version',
        in: 'header',
        schema: { type: 'string', enum: ['1'] },
      },
      ConnectTimeout: {
        name: 'Connect-Timeout-Ms',
        in: 'header',
        description: 'the deadline of the call in milliseconds (default: the server default, 30 s)',
        schema: { type: 'integer', minimum: 1 },
      },
      RequestId: {
        name: 'X-Request-Id',
        in: 'header',
        description: 'echoed in the server log line (letters, digits, `._:-`, at most 128)',
        schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
      },
    },
    securitySchemes: {
      mutualTLS: { type: 'mutualTLS', description: "a client certificate from the hub's CA names the caller" },
      // ADR 036: the scope names are the hub's table (services/hub/src/oauth/scopes.ts); a hub test keeps them equal
      platformToken: {
        type: 'oauth2',
        description:
          'platforms without a client certificate: an access token (JWT, RFC 9068) from the client-credentials grant at `POST /oauth2/token` (client_secret_basic or client_secret_post), sent as `Authorization: Bearer <token>`; its scopes decide the methods (metadata at `/.well-known/oauth-authorization-server`, keys at `/.well-known/jwks.json`)',
        flows: {
          clientCredentials: {
            tokenUrl: '/oauth2/token',
            scopes: {
              'certificate.verify': 'VerifyCertificate, GetStatusList, GetTrustBundle (and WhoAmI)',
              'certificate.check': "CheckLicences under the holders' consents, ListConsents (and WhoAmI)",
            },
          },
        },
      },
      developmentIdentity: {
        type: 'apiKey',
        in: 'header',
        name: 'x-onceonly-caller',
        description:
          'development only, on loopback: the department code (with `x-onceonly-role` and `x-onceonly-caller-name`)',
      },
    },
  },
};

writeFileSync(resolve(gen, 'openapi.json'), `${JSON.stringify(document, null, 2)}\n`);
console.log(`generated libs/contracts/src/gen/openapi.json (${Object.keys(paths).length} methods)`);
