import { Metadata, status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { AppError, ERROR_CODES, invalid } from '../index.js';
import { fromServiceError, GRPC_STATUS, grpcStatusOf, toServiceError } from './index.js';

describe('the status table', () => {
  it('maps every code to a gRPC status other than OK', () => {
    for (const code of ERROR_CODES) expect(grpcStatusOf(code)).toBeGreaterThan(status.OK);
  });

  it('maps every canonical name to the grpc-js status of the same name', () => {
    for (const [name, value] of Object.entries(GRPC_STATUS)) expect(status[value]).toBe(name);
  });

  it('keeps the statuses clients relied on before the split', () => {
    expect(grpcStatusOf('USCC_INVALID')).toBe(status.INVALID_ARGUMENT);
    expect(grpcStatusOf('IDEMPOTENCY_CONFLICT')).toBe(status.ALREADY_EXISTS);
    expect(grpcStatusOf('CERT_NUMBER_EXHAUSTED')).toBe(status.RESOURCE_EXHAUSTED);
    expect(grpcStatusOf('SHUTTING_DOWN')).toBe(status.UNAVAILABLE);
  });
});

describe('toServiceError / fromServiceError', () => {
  it('carries the code and the field violations through the status trailer', () => {
    const err = invalid('USCC_INVALID', [
      { field: 'holder.code', reason: 'USCC_CHECK_CHARACTER', description: 'check character should be 0' },
    ]);
    const wire = toServiceError(err);
    expect(wire.code).toBe(status.INVALID_ARGUMENT);
    const back = fromServiceError({ ...wire, metadata: wire.metadata as Metadata });
    expect(back.code).toBe('USCC_INVALID');
    expect(back.fields).toEqual(err.fields);
  });

  it('keeps metadata strings', () => {
    const err = new AppError('NOT_FOUND', 'no such thing', { details: { meta: { id: 'x1' } } });
    const back = fromServiceError(toServiceError(err));
    expect(back).toMatchObject({ code: 'NOT_FOUND', details: { meta: { id: 'x1' } } });
  });

  it('falls back on the status for errors from elsewhere', () => {
    expect(fromServiceError({ code: status.UNAVAILABLE, details: 'connection refused' }).code).toBe('UNAVAILABLE');
    expect(fromServiceError({ code: status.UNKNOWN, metadata: new Metadata() }).code).toBe('INTERNAL');
  });
});
