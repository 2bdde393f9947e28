// A stand-in for kubectl and the kubectl-argo-rollouts plugin v1.9.0, for tests. It records every
// call, answers the commands the operator tool runs, and plays a Rollout's life per kube context,
// keeping state in files: calls made in process and calls made by the `kubectl` program beside it
// (a thin wrapper for PATH) share one simulated set of clusters.
//
// Environment:
//   FAKE_KUBECTL_STATE_DIR    required: calls.jsonl (one JSON line per call) and <context>.json
//   FAKE_KUBECTL_DIST         the dist/ folder Argo CD syncs from ("Git"); a sync applies
//                             <dist>/<cluster>/mandelbrot/rollout-mandelbrot.yaml
//   FAKE_KUBECTL_LIVE_RELEASE the MANDELBROT_RELEASE the live Rollout starts with, when Git is
//                             ahead of the cluster (default: the one in Git)
//   FAKE_KUBECTL_CONTEXTS     known contexts, comma-separated, each `context` or `context=cluster`
//                             (default aws,azure,gcp)
//   FAKE_KUBECTL_ENVIRONMENT  the environment in root Application names (default dev)
//   FAKE_KUBECTL_UNREACHABLE  contexts whose API server refuses connections
//   FAKE_KUBECTL_SYNC_FAILS   contexts where Argo CD's sync of the mandelbrot Application fails
//   FAKE_KUBECTL_STUCK        contexts whose Rollouts controller never acts on a promote
//   FAKE_KUBECTL_CRD          established (default) | missing | pending (exists, never Established)
//                             | after:N (absent for N reads, then Established)
//   FAKE_KUBECTL_NO_PLUGIN    set: `kubectl argo ...` is an unknown command
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const VALUE_FLAGS = new Set([
  '--context',
  '-n',
  '--namespace',
  '-o',
  '--output',
  '--type',
  '-p',
  '--patch',
  '--timeout',
  '-t',
  '--to-revision',
  '--for',
  '--kubeconfig',
  '--request-timeout',
  '--in',
  '-i',
]);
const BOOLEAN_FLAGS = new Set(['--client', '--watch', '-w', '--full', '--short']);
const BUILTIN_COMMANDS = new Set(['get', 'patch', 'wait', 'apply', 'delete', 'describe', 'config', 'version', 'rollout', 'logs']);
const list = (text) =>
  (text || '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/**
 * One kubectl call: `argv` as kubectl gets it, the knobs above in `env`. What kubectl prints goes
 * to `output` as it would be printed; resolves with kubectl's exit code.
 */
export async function runStandInKubectl(argv, env, output) {
  try {
    await call(argv, env, output.stdout);
    return 0;
  } catch (error) {
    if (!(error instanceof Exit)) throw error;
    if (error.stdout) output.stdout(error.stdout.endsWith('\n') ? error.stdout : `${error.stdout}\n`);
    if (error.stderr) output.stderr(`${error.stderr}\n`);
    return error.code;
  }
}

async function call(argv, env, write) {
  const stateDir = env.FAKE_KUBECTL_STATE_DIR;
  if (!stateDir) exit(99, '', 'stand-in kubectl: FAKE_KUBECTL_STATE_DIR is not set');
  appendFileSync(join(stateDir, 'calls.jsonl'), `${JSON.stringify({ argv })}\n`);

  const environment = env.FAKE_KUBECTL_ENVIRONMENT || 'dev';

  // Real kubectl looks for a plugin only when the first word is not a flag.
  if (argv[0]?.startsWith('-')) {
    const first = parseArgs(argv).positionals[0];
    if (first !== undefined && !BUILTIN_COMMANDS.has(first)) exit(1, '', `Error: flags cannot be placed before plugin name: ${argv[0]}`);
  }

  const isPlugin = argv[0] === 'argo' && argv[1] === 'rollouts';
  if (argv[0] === 'argo' && env.FAKE_KUBECTL_NO_PLUGIN) exit(1, '', 'Error: unknown command "argo" for "kubectl"');
  const { positionals, flags } = parseArgs(isPlugin ? argv.slice(2) : argv);

  if (isPlugin && positionals[0] === 'version')
    exit(
      0,
      'kubectl-argo-rollouts: v1.9.0\n  BuildDate: 2025-10-01T00:00:00Z\n  GitCommit: 838d4e792be666ec11bd0c80331e0c5511b5010e\n  GitTreeState: clean\n',
    );

  if (!isPlugin && positionals[0] === 'version' && flags.has('--client')) exit(0, 'Client Version: v1.33.4\nKustomize Version: v5.6.0\n');

  const context = flags.get('--context');
  if (context === undefined) exit(98, '', 'stand-in kubectl: every call must name --context');
  const contexts = new Map(
    list(env.FAKE_KUBECTL_CONTEXTS || 'aws,azure,gcp')
      .map((entry) => entry.split('='))
      .map(([name, cluster]) => [name, cluster ?? name]),
  );
  if (!contexts.has(context)) exit(1, '', `Error in configuration: context was not found for specified context: ${context}`);
  if (list(env.FAKE_KUBECTL_UNREACHABLE).includes(context)) {
    exit(
      1,
      '',
      `E1129 04:36:35.191983   14395 memcache.go:265] "Unhandled Error" err="couldn't get current server API group list"\nThe connection to the server ${context}.example:443 was refused - did you specify the right host or port?`,
    );
  }
  const cluster = contexts.get(context);
  const statePath = join(stateDir, `${context}.json`);
  const state = existsSync(statePath) ? JSON.parse(readFileSync(statePath, 'utf8')) : initialState();

  if (isPlugin) await plugin(positionals, flags);
  else builtin(positionals, flags);

  function builtin([verb, kind, name, ...rest], flags) {
    if (rest.length > 0) exit(1, '', `error: unexpected arguments: ${rest.join(' ')}`);
    const namespace = flags.get('--namespace') ?? flags.get('-n') ?? 'default';
    const output = flags.get('--output') ?? flags.get('-o');
    if (verb === 'get' && kind === 'rollout') {
      if (name !== 'mandelbrot' || namespace !== 'mandelbrot') notFound('rollouts.argoproj.io', name);
      if (output !== 'json') exit(97, '', 'stand-in kubectl: read Rollouts with --output json');
      const lagging = state.lagReads > 0;
      if (lagging) state.lagReads--;
      save();
      exit(0, JSON.stringify(rolloutObject(lagging), null, 2));
    }
    if (verb === 'get' && kind === 'crd') {
      if (output !== 'json') exit(97, '', 'stand-in kubectl: read CRDs with --output json');
      if (name !== 'rollouts.argoproj.io') notFound('customresourcedefinitions.apiextensions.k8s.io', name);
      state.crdReads++;
      save();
      const mode = env.FAKE_KUBECTL_CRD || 'established';
      const after = /^after:(\d+)$/.exec(mode);
      if (mode === 'missing' || (after && state.crdReads <= Number(after[1])))
        notFound('customresourcedefinitions.apiextensions.k8s.io', name);
      const established = mode === 'pending' ? 'False' : 'True';
      exit(
        0,
        JSON.stringify({
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name },
          status: {
            conditions: [
              { type: 'NamesAccepted', status: 'True' },
              { type: 'Established', status: established },
            ],
          },
        }),
      );
    }
    if ((verb === 'get' || verb === 'patch') && kind === 'application') {
      const app = state.applications[name];
      if (app === undefined || namespace !== 'argocd') notFound('applications.argoproj.io', name);
      if (verb === 'patch') {
        if (flags.get('--type') !== 'merge') exit(1, '', 'error: stand-in kubectl: patch applications with --type merge');
        const patch = JSON.parse(flags.get('--patch') ?? flags.get('-p') ?? 'null');
        if (!patch?.operation?.sync) exit(1, '', 'error: stand-in kubectl: expected an operation.sync patch');
        app.operation = patch.operation;
        app.pendingReads = 1;
        app.phase = 'Running';
        save();
        exit(0, `application.argoproj.io/${name} patched\n`);
      }
      if (output !== 'json') exit(97, '', 'stand-in kubectl: read Applications with --output json');
      if (app.operation && app.pendingReads > 0) {
        app.pendingReads--;
      } else if (app.operation) {
        // Argo CD finishes the operation and removes it.
        delete app.operation;
        if (list(env.FAKE_KUBECTL_SYNC_FAILS).includes(context) && name === `trinity-mandelbrot-${cluster}`) {
          app.phase = 'Failed';
          app.message = 'one or more objects failed to apply, reason: admission webhook "validate.example" denied the request';
        } else {
          app.phase = 'Succeeded';
          app.message = 'successfully synced (all tasks run)';
          if (name === `trinity-mandelbrot-${cluster}`) applyTemplate(desiredTemplate());
        }
      }
      save();
      exit(
        0,
        JSON.stringify({
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Application',
          metadata: { name, namespace: 'argocd' },
          ...(app.operation ? { operation: app.operation } : {}),
          status: { operationState: { phase: app.phase, message: app.message } },
        }),
      );
    }
    exit(1, '', `error: stand-in kubectl does not know "${[verb, kind].join(' ')}"`);
  }

  async function plugin([subcommand, name, ...rest], flags) {
    if (rest.length > 0) exit(1, '', `Error: unexpected argument "${rest[0]}" (boolean flags take their value after "=")`);
    if (name !== 'mandelbrot' || (flags.get('--namespace') ?? flags.get('-n')) !== 'mandelbrot') {
      exit(1, '', `Error: rollouts.argoproj.io "${name}" not found`);
    }
    const steps = state.steps.length;
    switch (subcommand) {
      case 'promote': {
        if (list(env.FAKE_KUBECTL_STUCK).includes(context)) exit(0, `rollout 'mandelbrot' promoted\n`);
        if (flags.get('--full') === 'true') {
          if (state.podHash !== state.stableHash) finishRollout();
          save();
          exit(0, `rollout 'mandelbrot' fully promoted\n`);
        }
        if (state.paused) {
          state.paused = false;
          state.stepIndex++;
        } else {
          // v1.9.0: promote without pause conditions skips the current step.
          state.skippedSteps.push(state.stepIndex);
          state.stepIndex = Math.min(state.stepIndex + 1, steps);
        }
        if (state.stepIndex >= steps - 1 && !state.abort) finishRollout();
        save();
        return exit(0, `rollout 'mandelbrot' promoted\n`);
      }
      case 'abort':
        if (state.podHash !== state.stableHash) {
          state.abort = true;
          state.paused = false;
          state.stepIndex = 0;
        }
        save();
        return exit(0, `rollout 'mandelbrot' aborted\n`);
      case 'undo': {
        const wanted = Number(flags.get('--to-revision') ?? '0');
        const current = state.revisions.find((revision) => revision.hash === state.podHash);
        const older = state.revisions.filter((revision) => revision.revision < current.revision).sort((a, b) => b.revision - a.revision);
        const target = wanted === 0 ? older[0] : state.revisions.find((revision) => revision.revision === wanted);
        if (target === undefined) {
          exit(
            1,
            '',
            wanted === 0
              ? 'Error: no revision found for rollout "mandelbrot"'
              : `Error: unable to find specified revision ${wanted} in history`,
          );
        }
        if (target.hash === state.podHash) exit(0, `skipped rollback (current template already matches revision ${wanted})`);
        applyTemplate(target.template);
        save();
        return exit(0, `rollout 'mandelbrot' undo\n`);
      }
      case 'restart':
        changeSpec(() => {
          state.restartAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
        });
        save();
        return exit(0, `rollout 'mandelbrot' restarts in 0s\n`);
      case 'status': {
        const watch = flags.get('--watch') ?? flags.get('-w') ?? 'true';
        // The controller catches up while the plugin watches.
        state.lagReads = 0;
        save();
        const { phase, message } = currentStatus();
        // As recorded from v1.9.0 (test/operator/fixtures): --watch=false prints Healthy and Degraded
        // alone and any other status with " - <message>"; a watch prints the message when there is one.
        const unwatched = phase === 'Healthy' || phase === 'Degraded' ? phase : `${phase} - ${message}`;
        const line = watch === 'false' ? unwatched : message ? `${phase} - ${message}` : phase;
        if (phase === 'Degraded') exit(1, `${line}\n`, `Error: The rollout is in a degraded state with message: ${message}`);
        if (phase === 'Healthy' || watch === 'false') exit(0, `${line}\n`);
        const timeout = flags.get('--timeout') ?? flags.get('-t');
        const ms = timeout === undefined ? 0 : durationMs(timeout);
        if (!ms) exit(96, `${line}\n`, 'stand-in kubectl: status --watch without --timeout waits forever on a Rollout that is not Healthy');
        write(`${line}\n`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        exit(1, '', 'Error: Rollout status watch exceeded timeout');
        break;
      }
      default:
        exit(1, '', `Error: unknown command "${subcommand}" for "kubectl-argo-rollouts"`);
    }
  }

  // --- the simulated Rollout ------------------------------------------------------------------

  function initialState() {
    const desired = desiredTemplate();
    const live = structuredClone(desired);
    if (env.FAKE_KUBECTL_LIVE_RELEASE) setRelease(live.template, env.FAKE_KUBECTL_LIVE_RELEASE);
    const hash = podTemplateHash(live.template);
    return {
      generation: 1,
      lagReads: 0,
      stale: null,
      template: live.template,
      replicas: live.replicas,
      steps: live.steps,
      revisions: [{ revision: 1, hash, template: live.template }],
      podHash: hash,
      stableHash: hash,
      stepIndex: live.steps.length,
      paused: false,
      abort: false,
      skippedSteps: [],
      restartAt: null,
      crdReads: 0,
      applications: Object.fromEntries(
        [`trinity-${environment}-${cluster}-root`, `trinity-mandelbrot-${cluster}`, `trinity-rollouts-${cluster}`].map((app) => [
          app,
          { phase: 'Succeeded', message: '' },
        ]),
      ),
    };
  }

  /** The Rollout as Git has it: what a sync applies. */
  function desiredTemplate() {
    const file = env.FAKE_KUBECTL_DIST ? join(env.FAKE_KUBECTL_DIST, cluster, 'mandelbrot', 'rollout-mandelbrot.yaml') : undefined;
    if (file && existsSync(file)) {
      // Loaded only here: most calls never read Git, and every call is a new process.
      const { load } = createRequire(import.meta.url)('js-yaml');
      const { spec } = load(readFileSync(file, 'utf8'));
      return { template: spec.template, replicas: spec.replicas ?? 1, steps: spec.strategy.canary.steps };
    }
    const template = {
      metadata: { labels: { app: 'mandelbrot' } },
      spec: { containers: [{ name: 'mandelbrot', image: 'node:22-alpine', env: [{ name: 'MANDELBROT_RELEASE', value: 'continuous' }] }] },
    };
    return { template, replicas: 2, steps: [{ setWeight: 50 }, { pause: {} }, { setWeight: 100 }] };
  }

  /** A new pod template: a new revision, then a canary paused at its first pause step, or straight back to stable. */
  function applyTemplate(desired) {
    const template = desired.template ?? desired;
    const hash = podTemplateHash(template);
    if (hash === state.podHash) return; // ApplyOutOfSyncOnly: nothing changed
    changeSpec(() => {
      const next = Math.max(...state.revisions.map((revision) => revision.revision)) + 1;
      state.revisions = [...state.revisions.filter((revision) => revision.hash !== hash), { revision: next, hash, template }];
      state.template = template;
      state.podHash = hash;
      state.abort = false;
      if (hash === state.stableHash) {
        state.stepIndex = state.steps.length;
        state.paused = false;
      } else {
        state.stepIndex = state.steps.findIndex((step) => step.pause !== undefined);
        state.paused = true;
      }
    });
  }

  /** A spec change bumps the generation; the next read still shows the status from before it. */
  function changeSpec(change) {
    state.stale = rolloutStatus();
    change();
    state.generation++;
    state.lagReads = 1;
  }

  function finishRollout() {
    state.stableHash = state.podHash;
    state.stepIndex = state.steps.length;
    state.paused = false;
    state.abort = false;
  }

  function currentRevision() {
    return state.revisions.find((revision) => revision.hash === state.podHash).revision;
  }

  function currentStatus() {
    if (state.abort) return { phase: 'Degraded', message: `RolloutAborted: Rollout aborted update to revision ${currentRevision()}` };
    if (state.podHash === state.stableHash) return { phase: 'Healthy', message: '' };
    if (state.paused) return { phase: 'Paused', message: 'CanaryPauseStep' };
    return { phase: 'Progressing', message: 'more replicas need to be updated' };
  }

  /** `status` as the controller writes it; test/operator/fake-kubectl-fidelity.test.ts holds it against recorded ones. */
  function rolloutStatus() {
    const { phase, message } = currentStatus();
    const replicas = state.replicas;
    const canaryPods = phase === 'Healthy' ? replicas : phase === 'Degraded' ? 0 : Math.ceil(replicas / 2);
    const status = {
      HPAReplicas: replicas,
      availableReplicas: replicas,
      blueGreen: {},
      canary: {},
      conditions: [{ type: 'Available', status: 'True', reason: 'AvailableReason', message: 'Rollout has minimum availability' }],
      currentPodHash: state.podHash,
      currentStepIndex: state.stepIndex,
      observedGeneration: String(state.generation),
      phase,
      readyReplicas: replicas,
      replicas,
      selector: 'app.kubernetes.io/name=mandelbrot,app.kubernetes.io/part-of=trinity',
      stableRS: state.stableHash,
    };
    if (canaryPods > 0) status.updatedReplicas = canaryPods;
    if (message) status.message = message;
    if (state.paused) {
      status.controllerPause = true;
      status.pauseConditions = [{ reason: 'CanaryPauseStep', startTime: '2025-01-01T10:02:10Z' }];
    }
    if (state.abort) {
      status.abort = true;
      status.conditions.push({
        type: 'Progressing',
        status: 'False',
        reason: 'RolloutAborted',
        message: `Rollout aborted update to revision ${currentRevision()}`,
      });
    }
    if (state.restartAt) status.restartedAt = state.restartAt;
    return status;
  }

  function rolloutObject(lagging) {
    const status = lagging && state.stale ? { ...state.stale, observedGeneration: String(state.generation - 1) } : rolloutStatus();
    return {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: {
        name: 'mandelbrot',
        namespace: 'mandelbrot',
        generation: state.generation,
        annotations: { 'rollout.argoproj.io/revision': String(currentRevision()) },
      },
      spec: {
        replicas: state.replicas,
        ...(state.restartAt ? { restartAt: state.restartAt } : {}),
        strategy: { canary: { steps: state.steps } },
        template: state.template,
      },
      status,
    };
  }

  function save() {
    const partial = `${statePath}.${process.pid}`;
    writeFileSync(partial, JSON.stringify(state, null, 2));
    renameSync(partial, statePath);
  }
}

// --- helpers of every call -----------------------------------------------------------------------

function setRelease(template, release) {
  for (const container of template.spec.containers) {
    for (const variable of container.env ?? []) if (variable.name === 'MANDELBROT_RELEASE') variable.value = release;
  }
}

/** Like a pod-template-hash: 10 characters of Kubernetes' safe alphabet. */
function podTemplateHash(template) {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const digest = createHash('sha256')
    .update(JSON.stringify(sortKeys(template)))
    .digest();
  return [...digest.subarray(0, 10)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys(value[key])]),
    );
  return value;
}

// --- plumbing -----------------------------------------------------------------------------------

function parseArgs(tokens) {
  const positionals = [];
  const flags = new Map();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (!token.startsWith('-')) {
      positionals.push(token);
      continue;
    }
    const equals = token.indexOf('=');
    const name = equals < 0 ? token : token.slice(0, equals);
    if (equals >= 0) flags.set(name, token.slice(equals + 1));
    else if (BOOLEAN_FLAGS.has(name)) flags.set(name, 'true');
    else if (VALUE_FLAGS.has(name)) flags.set(name, tokens[++i]);
    else exit(1, '', `error: unknown flag: ${name}`);
  }
  return { positionals, flags };
}

function durationMs(text) {
  const units = { h: 3600000, m: 60000, s: 1000, ms: 1 };
  if (!/^(\d+(ms|h|m|s))+$/.test(text))
    exit(1, '', `Error: invalid argument "${text}" for "-t, --timeout" flag: time: invalid duration "${text}"`);
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)(ms|h|m|s)/g)) total += Number(amount) * units[unit];
  return total;
}

function notFound(resource, name) {
  exit(1, '', `Error from server (NotFound): ${resource} "${name}" not found`);
}

/** How a call ends, as the real program's exit: thrown from anywhere in it, caught by {@link runStandInKubectl}. */
class Exit {
  constructor(code, stdout, stderr) {
    this.code = code;
    this.stdout = stdout;
    this.stderr = stderr;
  }
}

function exit(code, stdout = '', stderr = '') {
  throw new Exit(code, stdout, stderr);
}
