import { type Finding, finding } from './findings.js';
import type { LoggableEvent } from './leaf.js';

/**
 * Rebuilds part of a service's state from the events alone (for example the status of every certificate), so that
 * the replay can compare it with what the service answers. State is a map from a key (a certificate id) to a value
 * the projection defines; `apply` is called for every event in log order and must be pure and deterministic.
 *
 * None is registered yet: the certificate service is being built beside the audit log. A projection for it decodes
 * `certificate.*` bodies with `@onceonly/contracts` and keeps `certificateId → status`; its reader calls
 * `CertificateService.GetCertificate`.
 */
export interface Projection<S> {
  readonly name: string;
  /** Applies one event to the state (events it does not care about leave the state alone). */
  apply(state: Map<string, S>, event: LoggableEvent): void;
}

/** Reads the live value of one key from the service, to compare with the projection's. */
export interface ProjectionReader<S> {
  read(key: string): Promise<S | undefined>;
}

/** A projection with the reader of the service it mirrors. */
export interface ProjectionCheck<S> {
  readonly projection: Projection<S>;
  readonly reader: ProjectionReader<S>;
  /** Compares two values (default: JSON equality). */
  readonly equals?: (rebuilt: S, live: S) => boolean;
}

/** A projection's state as it is rebuilt during a replay. */
export class ProjectionRun<S> {
  readonly state = new Map<string, S>();
  constructor(readonly check: ProjectionCheck<S>) {}

  apply(event: LoggableEvent): void {
    this.check.projection.apply(this.state, event);
  }

  /** Compares every rebuilt key with the service's answer: one PROJECTION_MISMATCH per key that differs. */
  async compare(): Promise<Finding[]> {
    const { projection, reader } = this.check;
    const equals = this.check.equals ?? ((a: S, b: S) => JSON.stringify(a) === JSON.stringify(b));
    const findings: Finding[] = [];
    for (const [key, rebuilt] of this.state) {
      const live = await reader.read(key);
      if (live === undefined || !equals(rebuilt, live)) {
        const said = live === undefined ? 'does not know it' : `says ${JSON.stringify(live)}`;
        findings.push(
          finding(
            'PROJECTION_MISMATCH',
            `${projection.name} ${key}: the events give ${JSON.stringify(rebuilt)}, the service ${said}`,
          ),
        );
      }
    }
    return findings;
  }
}
