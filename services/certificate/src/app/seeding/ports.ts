/** Where development mTLS credentials go (files under the data folder, in embedded mode). */
export interface CredentialWriter {
  /** Issues and writes a client certificate naming the department (CN = code, O = name, OU = role); returns where. */
  writeClient(department: {
    code: string;
    name: string;
    role: 'department' | 'platform' | 'portal' | 'auditor';
  }): Promise<string>;
  /** Issues and writes the hub's development server certificate (127.0.0.1, localhost); returns where. */
  writeServer(): Promise<string>;
}
