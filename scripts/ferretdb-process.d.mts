export declare const ferretdbBinary: string;
export declare function buildFerretDb(): void;
export declare function freePort(): Promise<number>;
export declare function startFerretDb(options: {
  dataDir: string;
  port?: number;
  logFile?: string;
  ownProcessGroup?: boolean;
}): Promise<{ uri: string; port: number; pids: number[]; stop: () => Promise<void> }>;
