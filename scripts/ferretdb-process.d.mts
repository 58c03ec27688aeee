export declare const ferretdbBinary: string;
export declare function buildFerretDb(): void;
export declare function freePort(): Promise<number>;
export declare function startFerretDb(options: {
  dataDir: string;
  port?: number;
  logFile?: string;
}): Promise<{ uri: string; port: number; stop: () => Promise<void> }>;
