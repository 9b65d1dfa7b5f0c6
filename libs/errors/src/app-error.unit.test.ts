import { describe, expect, it } from 'vitest';
import { AppError, CODED_ERROR_MARK, isCodedError, toAppError } from './index.js';

/** A coded error as a dependency-free library makes it (libs/workdays' CalendarError). */
function marked(code: string, message: string): Error {
  const err = Object.assign(new Error(message), { code });
  Object.defineProperty(err, Symbol.for(CODED_ERROR_MARK), { value: true });
  return err;
}

describe('coded errors of dependency-free libraries', () => {
  it('keep their code and message through toAppError', () => {
    const err = marked('CALENDAR_YEAR_NOT_LOADED', 'no notice for 2027');
    expect(isCodedError(err)).toBe(true);
    const app = toAppError(err);
    expect(app).toBeInstanceOf(AppError);
    expect(app).toMatchObject({ code: 'CALENDAR_YEAR_NOT_LOADED', message: 'no notice for 2027' });
  });

  it('are INTERNAL when unmarked or when the code is not listed (a driver error with a code of its own)', () => {
    expect(toAppError(Object.assign(new Error('duplicate key'), { code: 'CALENDAR_YEAR_NOT_LOADED' })).code).toBe(
      'INTERNAL',
    );
    expect(isCodedError(marked('23505', 'duplicate key'))).toBe(false);
    expect(toAppError(marked('23505', 'duplicate key')).code).toBe('INTERNAL');
  });
});
