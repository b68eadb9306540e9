// Starts one banca service as a child process and waits for the line it prints once listening.
// Used by `banca start` and by every test that needs real processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { isIP } from 'node:net';
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
  /** Runs the service in this network namespace: `ip netns exec <netns> node ...` (ip execs, so
   *  the child's pid is the service's and signals reach it). Needs root. */
  netns?: string;
}

/** Generous: 17 processes starting together on 2 busy cores can take several seconds each. */
const START_TIMEOUT_MS = 30_000;

export function serviceEntry(service: ServiceName): string {
  return fileURLToPath(new URL(`../../../../apps/${service}/dist/src/main.js`, import.meta.url));
}

/** Whether a service told to bind one address (an IP literal, not a wildcard) printed a URL with another. */
function unboundAddress(host: unknown, url: string): boolean {
  if (typeof host !== 'string' || isIP(host) === 0 || host === '0.0.0.0' || host === '::') return false;
  const printed = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  return printed !== host;
}

export async function spawnService(service: ServiceName, options: SpawnOptions): Promise<ServiceProcess> {
  const nodeArgs = [...(options.nodeArgs ?? []), ...(process.env.BANCA_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
  const command = [process.execPath, ...nodeArgs, serviceEntry(service)];
  if (options.netns !== undefined) command.unshift('ip', 'netns', 'exec', options.netns);
  const child = spawn(command[0]!, command.slice(1), {
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
  }, (error: unknown) => {
    // The command could not be run at all (e.g. no `ip` for a namespace).
    remember(`cannot run ${command[0]}: ${error instanceof Error ? error.message : String(error)}`, 'stderr');
    exitCode = null;
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
      const listening = (JSON.parse(line) as { url: string }).url;
      const wrong = unboundAddress(options.config.host, listening);
      if (wrong) {
        child.kill('SIGKILL');
        reject(new Error(`${options.name} was to bind ${String(options.config.host)} but listens at ${listening}`));
        return;
      }
      resolve(listening);
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
