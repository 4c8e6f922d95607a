import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Linux reports CPU time in clock ticks; 100 a second on every architecture Node supports. */
const CLK_TCK = 100;
const LISTEN = '0A';

/** CPU seconds (user + system) the process has used so far; undefined once it is gone. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces; the numeric fields start after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** Peak resident set size (VmHWM) of the process in MB; undefined once it is gone. */
export function peakRssMb(pid: number | undefined): number | undefined {
  return statusMb(pid, 'VmHWM');
}

/** Resident set size (VmRSS) of the process in MB now; undefined once it is gone. */
export function rssMb(pid: number | undefined): number | undefined {
  return statusMb(pid, 'VmRSS');
}

function statusMb(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return match?.[1] === undefined ? undefined : Number(match[1]) / 1024;
  } catch {
    return undefined;
  }
}

/**
 * The process listening on a loopback TCP port (the database server behind MONGO_URL): the listening
 * socket's inode from /proc/net/tcp{,6}, then the process holding that socket. Undefined when it is not
 * visible to us (another user's process, another container).
 */
export function listeningPid(port: number): number | undefined {
  const inode = listeningInode(port);
  if (inode === undefined) return undefined;
  const socket = `socket:[${inode}]`;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    if (holdsSocket(pid, socket)) return Number(pid);
  }
  return undefined;
}

function listeningInode(port: number): string | undefined {
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines: string[];
    try {
      lines = readFileSync(table, 'utf8').trim().split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
      if (state === LISTEN && parseInt(local?.split(':')[1] ?? '', 16) === port) return inode;
    }
  }
  return undefined;
}

function holdsSocket(pid: string, socket: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === socket;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}
