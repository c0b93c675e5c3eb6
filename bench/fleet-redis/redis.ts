import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** The benchmark's own redis-server on a free loopback port, without persistence. */
export class BenchRedis {
  #child: ChildProcess | undefined;
  readonly admin: Redis;

  private constructor(readonly port: number) {
    this.admin = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
    this.admin.on('error', () => {});
  }

  static async start(): Promise<BenchRedis> {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    const redis = new BenchRedis(port);
    await redis.launch();
    await redis.admin.connect();
    return redis;
  }

  async launch(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    this.#child = child;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.once('error', reject);
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('Ready to accept connections')) resolve();
      });
    });
  }

  signal(name: NodeJS.Signals): void {
    this.#child?.kill(name);
  }

  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }

  /** Empties the server and its command statistics before a run. */
  async reset(): Promise<void> {
    await this.admin.flushall();
    await this.admin.config('RESETSTAT');
  }

  /**
   * Redis CPU (µs) since `reset()` in the commands clients send: scripts (their time holds
   * the commands they run) and PUBLISH.
   */
  async usage(): Promise<{ usec: number }> {
    const info = await this.admin.info('commandstats');
    let usec = 0;
    for (const m of info.matchAll(/cmdstat_(\w+):calls=(\d+),usec=(\d+)/g)) {
      if (/^(evalsha|eval|publish)$/.test(m[1]!)) usec += Number(m[3]);
    }
    return { usec };
  }

  async stop(): Promise<void> {
    this.admin.disconnect();
    await this.kill();
  }
}
