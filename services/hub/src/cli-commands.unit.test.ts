import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_MODULES, commandNamed, modulesFor } from './cli-commands.js';
import { globalProgram } from './cli-program.js';

describe('COMMAND_MODULES', () => {
  it('names, for each module, exactly the top-level commands it registers', async () => {
    for (const module of COMMAND_MODULES) {
      const program = new Command();
      (await module.load())(program);
      expect(program.commands.map((c) => c.name())).toEqual(module.names);
    }
  });

  it('gives every top-level command to one module', () => {
    const names = COMMAND_MODULES.flatMap((m) => m.names);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('commandNamed', () => {
  const program = globalProgram();

  it('is the first operand, the global options skipped with their values', () => {
    expect(commandNamed(['audit', 'replay'], program)).toBe('audit');
    expect(commandNamed(['--addr', '127.0.0.1:1', '--json', 'cert', 'list'], program)).toBe('cert');
    expect(commandNamed(['--addr=127.0.0.1:1', '--timeout', '5', 'seal', 'list'], program)).toBe('seal');
    expect(commandNamed(['--as', 'SHJD', '--role', 'auditor', 'audit'], program)).toBe('audit');
    expect(commandNamed(['--', 'start'], program)).toBe('start');
  });

  it('is undefined without an operand', () => {
    expect(commandNamed([], program)).toBeUndefined();
    expect(commandNamed(['--help'], program)).toBeUndefined();
    expect(commandNamed(['--json', '--version'], program)).toBeUndefined();
    expect(commandNamed(['--addr', 'audit'], program)).toBeUndefined(); // `audit` is --addr's value
  });
});

describe('modulesFor', () => {
  const program = globalProgram();

  it("loads the named command's module alone", () => {
    expect(modulesFor(['--json', 'platform', 'list'], program).map((m) => m.names)).toEqual([['consent', 'platform']]);
    expect(modulesFor(['whoami'], program).map((m) => m.names[0])).toEqual(['start']);
  });

  it('loads none for the version alone', () => {
    expect(modulesFor(['--version'], program)).toEqual([]);
    expect(modulesFor(['--json', '-V'], program)).toEqual([]);
  });

  it('loads every module for help, `help <command>` and an unknown command', () => {
    for (const args of [[], ['--help'], ['help', 'audit'], ['audt', 'replay']]) {
      expect(modulesFor(args, program)).toBe(COMMAND_MODULES);
    }
  });
});
