import { certificateV1 as cv } from '@onceonly/certificate/client';
import type { Command } from 'commander';
import { call, cliOptions, print, withClient } from '../client.js';

/** One line per known body: code, role, division, Chinese and English names. */
export function departmentLine(d: cv.Department): string {
  return `${d.code}  ${d.role.padEnd(10)}  ${d.division}  ${d.nameZh} (${d.nameEn})`;
}

/** Adds `onceonly departments`: the departments, platforms and portals the hub knows (whom to name with --as). */
export function registerDepartmentCommands(program: Command): void {
  program
    .command('departments')
    .description('the departments, platforms and portals the hub knows: their codes are what --as names')
    .action(async (_opts: object, cmd: Command) => {
      const options = cliOptions(cmd);
      const response = await withClient(cv.CertificateServiceClient, options, (c) =>
        call(c.listDepartments.bind(c), {}, options),
      );
      print(options, cv.ListDepartmentsResponse.toJSON(response), response.departments.map(departmentLine).join('\n'));
    });
}
