import type { Finding } from './findings.js';

/**
 * One logged event as a projection sees it: the CloudEvents attributes the log commits to, and the body (protobuf
 * bytes) whose hash the leaf commits to. The replay feeds only bodies that match their leaf.
 */
export interface ReplayEvent {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly subject: string;
  /** RFC 3339, as the producer wrote it. */
  readonly time: string;
  readonly specversion: string;
  readonly datacontenttype: string;
  readonly dataschema: string;
  /** The per-source sequence (decimal). */
  readonly sequence: string;
  readonly data: Uint8Array;
}

/**
 * Rebuilds part of a service's state from the events alone (for example the status of every certificate), so that
 * the replay can compare it with what the service answers. State is a map from a key (a certificate id) to a value
 * the projection defines; `apply` is called for every event in log order and must be pure and deterministic.
 *
 * Each service owns its projections (docs/adr/005-replay-projections.md): for example `certificate-status` in
 * `@onceonly/certificate/replay`. Build one from a decoder and a pure fold with {@link projectionOf}.
 */
export interface Projection<S> {
  readonly name: string;
  /**
   * Applies one event to the state (events it does not care about leave the state alone). Returns what is wrong
   * with the event itself, if anything: an event the service's rules could not have produced at that point.
   */
  apply(state: Map<string, S>, event: ReplayEvent): readonly Finding[] | undefined;
}

/** Reads the live value of one key from the service, to compare with the projection's (undefined: not known). */
export interface ProjectionReader<L> {
  read(key: string): Promise<L | undefined>;
}

/** What a comparison may look at besides the two values. */
export interface CompareContext<S> {
  /** The whole rebuilt state. */
  readonly state: ReadonlyMap<string, S>;
  /** The time of the newest event the replay read (RFC 3339); undefined when it read none. */
  readonly logTime?: string;
  /** When the comparison runs. */
  readonly now: Date;
}

/**
 * A projection with the reader of the service it mirrors. `S` is the rebuilt value, `L` what the service answers.
 * (Methods, not function properties: a check of any `S`, `L` is then a `ProjectionCheck<unknown, unknown>`.)
 */
export interface ProjectionCheck<S, L = S> {
  readonly projection: Projection<S>;
  /** Without a reader the state is rebuilt and its events checked, but nothing is compared (PROJECTION_SKIPPED). */
  readonly reader?: ProjectionReader<L>;
  /** Why there is no reader (for the PROJECTION_SKIPPED notice). */
  readonly skipped?: string;
  /** Compares two values (default: JSON equality); used when `differences` is not given. */
  equals?(rebuilt: S, live: L): boolean;
  /** Names every difference of one key (default: one PROJECTION_MISMATCH when the values are not `equals`). */
  differences?(key: string, rebuilt: S, live: L | undefined, context: CompareContext<S>): Finding[];
  /** Reads in flight at once (default 8). */
  readonly concurrency?: number;
}

/**
 * What a service says about one of its projections, for the hub's list (`onceonly audit replay --projection
 * <name>`): its name, the gRPC service it is compared with (its grpc.health.v1 name), and what it rebuilds.
 */
export interface ProjectionDescriptor {
  readonly name: string;
  readonly service: string;
  readonly what: string;
}
