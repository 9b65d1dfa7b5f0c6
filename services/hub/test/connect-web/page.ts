/**
 * The browser side of `connect-web.e2e.test.ts`: a platform's page on another origin than the hub. It gets an OAuth
 * 2.0 token from the hub (client_secret_post), then calls HubService.WhoAmI with `@connectrpc/connect-web` (JSON
 * codec) by POST and, with `useHttpGet`, by GET, the token in `Authorization: Bearer`. The service definition comes
 * from the repository's descriptor set (served beside the page), as the connect-node test builds its client. Each
 * step writes its answer, or its failure, in the DOM for the test to read. Bundled by esbuild in the test.
 */
import { createFileRegistry, type DescMessage, fromBinary, type Message, toJsonString } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-web';

type WhoAmI = (request: object, options: { headers: Record<string, string> }) => Promise<Message>;

const config = document.body.dataset;
const hub = config.hub ?? '';

/** Writes one step's outcome: `data-state` done or failed, the answer or the error as text. */
function show(id: string, state: 'done' | 'failed', text: string): void {
  const element = document.getElementById(id);
  if (!element) return;
  element.textContent = text;
  element.dataset.state = state;
}

function failure(err: unknown): string {
  if (err instanceof ConnectError) return JSON.stringify({ code: err.code, message: err.rawMessage });
  return JSON.stringify({ message: err instanceof Error ? err.message : String(err) });
}

/** The access token from the hub's token endpoint, or (when the browser refuses that too) the one the test gave. */
async function token(): Promise<string> {
  try {
    const response = await fetch(`${hub}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: config.client ?? '',
        client_secret: config.secret ?? '',
        scope: 'certificate.verify',
      }),
    });
    const answer = (await response.json()) as { access_token?: string; scope?: string };
    if (!answer.access_token) throw new Error(`HTTP ${response.status}`);
    show('token', 'done', JSON.stringify({ scope: answer.scope }));
    return answer.access_token;
  } catch (err) {
    show('token', 'failed', failure(err));
    return config.fallbackToken ?? '';
  }
}

async function main(): Promise<void> {
  const descriptors = new Uint8Array(await (await fetch('/descriptors.binpb')).arrayBuffer());
  const service = createFileRegistry(fromBinary(FileDescriptorSetSchema, descriptors)).getService(
    'onceonly.hub.v1.HubService',
  );
  const output: DescMessage | undefined = service?.method.whoAmI?.output;
  if (!service || !output) throw new Error('no onceonly.hub.v1.HubService/WhoAmI in the descriptor set');
  const headers = { authorization: `Bearer ${await token()}` };
  for (const [id, useHttpGet] of [
    ['post', false],
    ['get', true],
  ] as const) {
    const transport = createConnectTransport({ baseUrl: hub, useBinaryFormat: false, useHttpGet });
    const client = createClient(service, transport) as unknown as { whoAmI: WhoAmI };
    try {
      show(id, 'done', toJsonString(output, await client.whoAmI({}, { headers })));
    } catch (err) {
      show(id, 'failed', failure(err));
    }
  }
  document.body.dataset.ready = 'true';
}

main().catch((err: unknown) => {
  show('post', 'failed', failure(err));
  document.body.dataset.ready = 'true';
});
