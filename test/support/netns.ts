/**
 * Linux network namespaces for multi-host tests: a hub namespace with a bridge, and
 * member namespaces each joined to it by a veth pair, on 10.200.0.0/24 addresses that
 * exist only inside these namespaces. Everything is made by create() and removed by
 * destroy(); nothing touches the root namespace's interfaces.
 */
import { spawnSync, spawn, type ChildProcess } from 'node:child_process';
import { nanoid } from 'nanoid';

function ip(args: string[]): { ok: boolean; err: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  return { ok: r.status === 0, err: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

function must(args: string[]): void {
  const r = ip(args);
  if (!r.ok) throw new Error(`ip ${args.join(' ')}: ${r.err.trim()}`);
}

/** Why namespaces cannot be used here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  const probe = `mrp-${nanoid(6).replace(/[^A-Za-z0-9]/g, 'x')}`;
  const r = ip(['netns', 'add', probe]);
  if (!r.ok) return `the kernel refused a network namespace (ip netns add: ${r.err.trim() || 'failed'})`;
  ip(['netns', 'del', probe]);
  return undefined;
}

export interface Netns {
  /** Namespace name of the hub (which also holds the bridge) and of each member. */
  hub: string;
  hubAddr: string;
  members: Record<string, { ns: string; addr: string }>;
  /** Starts `cmd args` inside a namespace. */
  exec(ns: string, cmd: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess;
  execSync(ns: string, cmd: string, args: string[]): { status: number | null; stdout: string; stderr: string };
  destroy(): void;
}

/** The hub gets 10.200.0.1; members 10.200.0.2, .3, ... in the order given. */
export function createNetns(memberNames: string[]): Netns {
  const tag = nanoid(5).replace(/[^A-Za-z0-9]/g, 'x');
  const hub = `mr-${tag}-hub`;
  const created: string[] = [];
  const destroy = () => {
    for (const ns of created.reverse()) ip(['netns', 'del', ns]);
    created.length = 0;
  };
  try {
    must(['netns', 'add', hub]);
    created.push(hub);
    must(['-n', hub, 'link', 'set', 'lo', 'up']);
    must(['-n', hub, 'link', 'add', 'br0', 'type', 'bridge']);
    must(['-n', hub, 'addr', 'add', '10.200.0.1/24', 'dev', 'br0']);
    must(['-n', hub, 'link', 'set', 'br0', 'up']);
    const members: Netns['members'] = {};
    memberNames.forEach((name, i) => {
      const ns = `mr-${tag}-${name}`;
      const addr = `10.200.0.${i + 2}`;
      must(['netns', 'add', ns]);
      created.push(ns);
      must(['-n', ns, 'link', 'set', 'lo', 'up']);
      // Both ends are made directly inside their namespaces: the root namespace never sees them.
      must(['-n', hub, 'link', 'add', `vh${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      must(['-n', hub, 'link', 'set', `vh${i}`, 'master', 'br0']);
      must(['-n', hub, 'link', 'set', `vh${i}`, 'up']);
      must(['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0']);
      must(['-n', ns, 'link', 'set', 'eth0', 'up']);
      members[name] = { ns, addr };
    });
    return {
      hub,
      hubAddr: '10.200.0.1',
      members,
      exec: (ns, cmd, args, env) => spawn('ip', ['netns', 'exec', ns, cmd, ...args], { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] }),
      execSync: (ns, cmd, args) => {
        const r = spawnSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8' });
        return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
      },
      destroy,
    };
  } catch (err) {
    destroy();
    throw err;
  }
}
