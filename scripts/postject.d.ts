// postject ships no types; only its inject() is used (scripts/package.ts).
declare module 'postject' {
  export function inject(file: string, resourceName: string, data: Buffer, options: { sentinelFuse: string; machoSegmentName?: string; overwrite?: boolean }): Promise<void>;
}
