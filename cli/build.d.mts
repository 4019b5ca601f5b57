// Types of cli/build.mjs, which is JavaScript so that it runs before anything is compiled.
export declare const defaultOutdir: string;
export declare function entryFile(outdir?: string): string;
export declare function buildCli(outdir?: string, options?: { source?: string; logLevel?: 'error' | 'silent' }): Promise<string>;
export declare function isStale(outdir?: string): boolean;
