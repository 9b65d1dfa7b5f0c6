import { type OfflineVerification, sealV1 } from '@onceonly/certificate/client';
import type { Command } from 'commander';
import { call, cliOptions, print } from '../client.js';
import { withSeals } from './seal.js';

/**
 * `onceonly trust bundle`: the trust list an offline verifier needs, in one PEM file: the hub's root CA, every seal
 * certificate (active, rotated, revoked: old signatures stay verifiable), then the seals' revocation list (an
 * X.509 CRL signed by the hub CA, reason keyCompromise and the compromise time as Invalidity Date). `cert verify
 * --offline --trust <file>` reads it; so does `openssl verify -crl_check -CAfile <file>`.
 */
export function registerTrustCommands(program: Command): void {
  program
    .command('trust')
    .description("the hub's trust material")
    .command('bundle')
    .description(
      'the trust list as PEM: root CA, every seal certificate and the seals’ revocation list (CRL), for `cert verify --offline --trust`',
    )
    .action(async (_opts: object, cmd: Command) => {
      const options = cliOptions(cmd);
      const response = await withSeals(options, (c) =>
        call(c.getTrustBundle.bind(c), sealV1.GetTrustBundleRequest.fromPartial({}), options),
      );
      print(options, sealV1.GetTrustBundleResponse.toJSON(response), response.trustListPem.trimEnd());
    });
}

const FETCH = 'fetch a fresh one with `onceonly trust bundle > trust.pem`';

/**
 * The lines `cert verify --offline` prints about the trust list: which list the seal's revocation was checked
 * against, or a warning when it could not be (stale, missing) that a verifier cannot miss.
 */
export function trustListLines(result: OfflineVerification): string[] {
  const list = result.trustList;
  const problems = [...result.warnings, ...result.reasons.filter((r) => r.startsWith('TRUST_LIST_'))];
  const lines = list
    ? [
        `seal revocation: checked against the trust list of ${list.thisUpdate.toISOString()} (next update ${list.nextUpdate.toISOString()})`,
      ]
    : [];
  if (problems.includes('TRUST_LIST_STALE')) {
    lines.push(
      `WARNING TRUST_LIST_STALE: the trust list is past its next update (${list?.nextUpdate.toISOString()}): seals revoked since then are unknown; ${FETCH}, or pass --refuse-stale to refuse`,
    );
  }
  if (problems.includes('TRUST_LIST_MISSING')) {
    lines.push(
      `WARNING TRUST_LIST_MISSING: the trust file holds no revocation list of this seal's root: seal revocation was NOT checked; ${FETCH}`,
    );
  }
  return lines;
}

/** The trust list of an offline verification as `--json` prints it (the CRL number as a decimal string). */
export function trustListJson(result: OfflineVerification) {
  const list = result.trustList;
  return list === undefined
    ? undefined
    : {
        thisUpdate: list.thisUpdate.toISOString(),
        nextUpdate: list.nextUpdate.toISOString(),
        crlNumber: list.crlNumber.toString(),
      };
}
