import { sealV1 } from '@onceonly/certificate/client';
import type { Command } from 'commander';
import { call, cliOptions, print } from '../client.js';
import { withSeals } from './seal.js';

/** Adds `trust bundle` to the `onceonly` command line: the trust material for offline verification. */
export function registerTrustCommands(program: Command): void {
  program
    .command('trust')
    .description("the hub's trust material")
    .command('bundle')
    .description('the trust bundle (root CA and every seal certificate) as PEM, for offline verification')
    .action(async (_opts: object, cmd: Command) => {
      const options = cliOptions(cmd);
      const response = await withSeals(options, (c) =>
        call(c.getTrustBundle.bind(c), sealV1.GetTrustBundleRequest.fromPartial({}), options),
      );
      print(options, sealV1.GetTrustBundleResponse.toJSON(response), response.bundlePem);
    });
}
