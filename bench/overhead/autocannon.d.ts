/** The part of autocannon's programmatic API that the overhead benchmark uses (it ships no types). */
declare module 'autocannon' {
  interface Histogram {
    readonly average: number;
    readonly total: number;
    readonly p50: number;
    readonly p99: number;
  }
  interface Result {
    readonly requests: Histogram;
    readonly latency: Histogram;
    /** Seconds. */
    readonly duration: number;
  }
  interface Options {
    url: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
  }
  export default function autocannon(options: Options): Promise<Result>;
}
