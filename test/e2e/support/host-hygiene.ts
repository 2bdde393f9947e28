/**
 * What a real node could leave on the host, looked at from the host: processes, mounts, network
 * namespaces, links and firewall rules of the host's network namespace, cgroups, the node's
 * folders and the sysctls the kubelet sets. A run takes a look before and after; any difference
 * that belongs to a node is a leftover.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { SHIELDED_SYSCTLS } from './real-node.js';

/** Every real node's folder is /tmp/trn-<id>, its cgroup trinity-e2e-<id>. */
const NODE_DIR = /^trn-[0-9a-f]+$/;
const NODE_CGROUP = /^trinity-e2e-[0-9a-f]+$/;

export interface HostLook {
  readonly sysctls: Readonly<Record<string, string>>;
  readonly links: readonly string[];
  readonly firewall: readonly string[];
  readonly netns: readonly string[];
  readonly mounts: readonly string[];
  readonly cgroups: readonly string[];
  readonly folders: readonly string[];
  readonly processes: readonly string[];
}

/** The host as it is now, as far as real nodes are concerned. */
export function lookAtHost(): HostLook {
  return {
    sysctls: Object.fromEntries(SHIELDED_SYSCTLS.map((sysctl) => [sysctl, readFileSync(`/proc/sys/${sysctl}`, 'utf8').trim()])),
    links: command('ip', ['-o', 'link', 'show'])
      .split('\n')
      .map((line) => /^\d+: ([^:@]+)/.exec(line)?.[1] ?? '')
      .filter(Boolean),
    firewall: [...firewallRules('iptables-save'), ...firewallRules('ip6tables-save')],
    netns: existsSync('/run/netns') ? readdirSync('/run/netns') : [],
    mounts: readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .filter((line) => /\/trn-[0-9a-f]+|trinity-node|kubelet|containerd/.test(line)),
    cgroups: cgroupHierarchies().flatMap((hierarchy) =>
      readdirSync(hierarchy)
        .filter((name) => NODE_CGROUP.test(name))
        .map((name) => join(hierarchy, name)),
    ),
    folders: readdirSync('/tmp')
      .filter((name) => NODE_DIR.test(name))
      .map((name) => join('/tmp', name)),
    processes: nodeProcesses(),
  };
}

/** What `after` has of real nodes that `before` had not, one line each; empty when the host is as it was. */
export function leftovers(before: HostLook, after: HostLook): string[] {
  const added = (what: string, a: readonly string[], b: readonly string[]) =>
    b.filter((item) => !a.includes(item)).map((item) => `${what}: ${item}`);
  return [
    ...Object.entries(after.sysctls)
      .filter(([name, value]) => before.sysctls[name] !== value)
      .map(([name, value]) => `sysctl ${name.replace(/\//g, '.')}: ${before.sysctls[name]} before, ${value} after`),
    ...added('link', before.links, after.links),
    ...added('firewall rule', before.firewall, after.firewall),
    ...added('network namespace', before.netns, after.netns),
    ...added('mount', before.mounts, after.mounts),
    ...added('cgroup', before.cgroups, after.cgroups),
    ...added('folder', before.folders, after.folders),
    ...added('process', before.processes, after.processes),
  ];
}

/**
 * The leftovers of one run among `lines`: folders, cgroups and processes only where they carry one
 * of the run's node ids (its `/tmp/trn-<id>` folders, `trinity-e2e-<id>` cgroups), since other runs
 * on a shared machine add their own meanwhile; every other kind of leftover is the host's, and kept.
 */
export function ownLeftovers(lines: readonly string[], ids: readonly string[]): string[] {
  return lines.filter(
    (line) =>
      !/^(folder|cgroup|process): /.test(line) || ids.some((id) => line.includes(`trn-${id}`) || line.includes(`trinity-e2e-${id}`)),
  );
}

/** The host's firewall rules and chains, without counters: what kube-proxy or the kubelet could add. */
function firewallRules(save: string): string[] {
  return command(save, [])
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.replace(/\[\d+:\d+\]/g, ''));
}

function cgroupHierarchies(): string[] {
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) return ['/sys/fs/cgroup'];
  return readdirSync('/sys/fs/cgroup')
    .map((entry) => join('/sys/fs/cgroup', entry))
    .filter((path) => existsSync(join(path, 'cgroup.procs')));
}

/** Processes in a node's cgroup or running from a node's folder, as `<pid> <command line> (<net namespace>)`, and the cgroup. */
function nodeProcesses(): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cgroup = readFileSync(`/proc/${entry}/cgroup`, 'utf8');
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      const ns = readlinkSync(`/proc/${entry}/ns/net`);
      const nodeCgroup = /trinity-e2e-[0-9a-f]+/.exec(cgroup)?.[0];
      if (nodeCgroup || /\/tmp\/trn-[0-9a-f]+/.test(commandLine))
        found.push(`${entry} ${commandLine} (${ns})${nodeCgroup ? ` in cgroup ${nodeCgroup}` : ''}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

function command(file: string, args: readonly string[]): string {
  try {
    return execFileSync(file, [...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}
