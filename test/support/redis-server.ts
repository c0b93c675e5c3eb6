import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

// A real redis-server for the tests: Debian's binary on a free loopback port, no
// persistence, stopped by its pid in every path (afterAll, and process exit if a test
// run dies first). A missing binary fails the test file: the Redis tests never skip.

const started = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of started) child.kill('SIGKILL');
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function launch(port: number): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('error', (error) => {
      started.delete(child);
      reject(
        new Error(
          `redis-server could not start (${error.message}); install it: apt-get install -y redis-server`,
        ),
      );
    });
    child.once('exit', (code) => {
      started.delete(child);
      reject(new Error(`redis-server exited with ${code}: ${out}`));
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) resolve(child);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** A redis-server this test file started; every method acts on its pid. */
export class RedisServer {
  #child: ChildProcess;

  private constructor(
    readonly port: number,
    child: ChildProcess,
  ) {
    this.#child = child;
  }

  static async start(): Promise<RedisServer> {
    const port = await freePort();
    return new RedisServer(port, await launch(port));
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /** SIGKILL: the server dies with everything it held. */
  async kill(): Promise<void> {
    const child = this.#child;
    child.kill('SIGKILL');
    await exited(child);
    started.delete(child);
  }

  /** Starts an empty server on the same port after {@link kill}. */
  async restart(): Promise<void> {
    this.#child = await launch(this.port);
  }

  /** SIGSTOP: connections stay open, nothing answers. */
  pause(): void {
    this.#child.kill('SIGSTOP');
  }

  resume(): void {
    this.#child.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    const child = this.#child;
    child.kill('SIGCONT');
    await this.kill();
    child.stdout?.destroy();
    child.stderr?.destroy();
  }
}
