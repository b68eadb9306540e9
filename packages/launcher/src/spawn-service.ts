// Starts one banca service as a child process and waits for the line it prints once listening.
// Used by `banca start` and by every test that needs real processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

export type ServiceName = 'data-server' | 'business-server' | 'gateway' | 'credit-registry' | 'dossier';

export interface ServiceProcess {
  readonly name: string;
  readonly service: ServiceName;
  readonly url: string;
  readonly child: ChildProcess;
  /** Graceful stop (SIGTERM); resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: the crash a test wants. */
  kill(): Promise<void>;
  exited(): boolean;
}

export interface SpawnOptions {
  name: string;
  config: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  /** Where the child's output goes: a callback per line (default: dropped, errors kept). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  startTimeoutMs?: number;
  /** Extra Node.js flags (e.g. --cpu-prof); BANCA_NODE_ARGS adds more, space separated. */
  nodeArgs?: string[];
}

/** Generous: 17 processes starting together on 2 busy cores can take several seconds each. */
const START_TIMEOUT_MS = 30_000;

export function serviceEntry(service: ServiceName): string {
  return fileURLToPath(new URL(`../../../../apps/${service}/dist/src/main.js`, import.meta.url));
}

export async function spawnService(service: ServiceName, options: SpawnOptions): Promise<ServiceProcess> {
  const nodeArgs = [...(options.nodeArgs ?? []), ...(process.env.BANCA_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
  const child = spawn(process.execPath, [...nodeArgs, serviceEntry(service)], {
    env: { ...process.env, ...options.env, BANCA_CONFIG: JSON.stringify(options.config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const recent: string[] = [];
  const remember = (line: string, stream: 'stdout' | 'stderr') => {
    recent.push(line);
    if (recent.length > 30) recent.shift();
    options.onLine?.(line, stream);
  };
  let exitCode: number | null | undefined;
  const exit = once(child, 'exit').then(([code]) => {
    exitCode = code as number | null;
    return exitCode;
  });
  createInterface({ input: child.stderr }).on('line', (line) => remember(line, 'stderr'));
  const startTimeoutMs = options.startTimeoutMs ?? START_TIMEOUT_MS;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // A service that is not up in time is not left behind: it would outlive its caller.
      child.kill('SIGKILL');
      reject(new Error(`${options.name} did not start within ${startTimeoutMs} ms:\n${recent.join('\n')}`));
    }, startTimeoutMs);
    createInterface({ input: child.stdout }).on('line', (line) => {
      remember(line, 'stdout');
      if (!line.startsWith('{"event":"listening"')) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited with code ${code} before listening:\n${recent.join('\n')}`));
    });
  });
  return {
    name: options.name,
    service,
    url,
    child,
    exited: () => exitCode !== undefined,
    async stop() {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      return exit;
    },
    async kill() {
      if (exitCode !== undefined) return;
      child.kill('SIGKILL');
      await exit;
    },
  };
}
