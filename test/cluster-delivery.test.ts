import { boundMandelbrot, synthCluster } from './support/cluster.js';

describe('ClusterDelivery', () => {
  const files = synthCluster();
  const get = (path: string) => {
    const object = files.get(path);
    if (!object) throw new Error(`${path} was not synthesized; got ${[...files.keys()].join(', ')}`);
    return object;
  };
  const rollout = get('aws/mandelbrot/rollout-mandelbrot.yaml');
  const container = rollout.spec.template.spec.containers[0];

  test('writes the root Application to bootstrap/ and everything else under the cluster folder', () => {
    const sourceConfigMap = [...files.keys()].find((path) => path.startsWith('aws/mandelbrot/configmap-mandelbrot-source-'));
    expect([...files.keys()]).toEqual([
      'aws/argocd/application-trinity-mandelbrot-aws.yaml',
      'aws/argocd/application-trinity-rollouts-aws.yaml',
      'aws/argocd/appproject-trinity.yaml',
      sourceConfigMap,
      'aws/mandelbrot/rollout-mandelbrot.yaml',
      'aws/mandelbrot/service-mandelbrot.yaml',
      'bootstrap/application-trinity-dev-aws-root.yaml',
    ]);
  });

  test('the root Application syncs the cluster folder holding the AppProject and the Applications', () => {
    const root = get('bootstrap/application-trinity-dev-aws-root.yaml');
    expect(root.metadata.name).toBe('trinity-dev-aws-root');
    expect(root.spec.project).toBe('default');
    expect(root.spec.source).toEqual({
      repoURL: 'https://github.com/maxgherman/trinity.git',
      targetRevision: 'main',
      path: 'dist/aws/argocd',
    });
    expect(root.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'argocd' });
  });

  test('the Mandelbrot Application syncs the workload folder into mandelbrot', () => {
    const app = get('aws/argocd/application-trinity-mandelbrot-aws.yaml');
    expect(app.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '0' });
    expect(app.spec.project).toBe('trinity');
    expect(app.spec.source).toEqual({
      repoURL: 'https://github.com/maxgherman/trinity.git',
      targetRevision: 'main',
      path: 'dist/aws/mandelbrot',
    });
    expect(app.spec.destination.namespace).toBe('mandelbrot');
    expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(app.spec.syncPolicy.syncOptions).toEqual([
      'CreateNamespace=true',
      'ApplyOutOfSyncOnly=true',
      'SkipDryRunOnMissingResource=true',
    ]);
  });

  test('waves order creation only, so the Mandelbrot Application retries with backoff until the Rollout CRD lands', () => {
    const rolloutsWave = Number(
      get('aws/argocd/application-trinity-rollouts-aws.yaml').metadata.annotations['argocd.argoproj.io/sync-wave'],
    );
    const app = get('aws/argocd/application-trinity-mandelbrot-aws.yaml');
    expect(rolloutsWave).toBeLessThan(Number(app.metadata.annotations['argocd.argoproj.io/sync-wave']));
    // SkipDryRunOnMissingResource skips the dry-run only; the apply fails until the CRD exists.
    expect(app.spec.syncPolicy.retry).toEqual({ limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } });
  });

  test('the AppProject permits what the two Applications deploy, and nothing for a namespace it does not use', () => {
    const project = get('aws/argocd/appproject-trinity.yaml');
    expect(project.metadata).toMatchObject({ name: 'trinity', namespace: 'argocd', annotations: { 'argocd.argoproj.io/sync-wave': '-1' } });
    expect(project.spec.sourceRepos).toEqual(['https://argoproj.github.io/argo-helm', 'https://github.com/maxgherman/trinity.git']);
    expect(project.spec.destinations).toEqual([
      { server: 'https://kubernetes.default.svc', namespace: 'argo-rollouts' },
      { server: 'https://kubernetes.default.svc', namespace: 'mandelbrot' },
    ]);
    expect(project.spec.clusterResourceWhitelist).toEqual([
      { group: '', kind: 'Namespace' },
      { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
      { group: 'argoproj.io', kind: 'ClusterAnalysisTemplate' },
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
    ]);
    expect(project.spec.namespaceResourceWhitelist).toEqual([
      { group: '', kind: 'ConfigMap' },
      { group: '', kind: 'Service' },
      { group: '', kind: 'ServiceAccount' },
      { group: 'apps', kind: 'Deployment' },
      { group: 'argoproj.io', kind: 'AnalysisTemplate' },
      { group: 'argoproj.io', kind: 'Rollout' },
    ]);
  });

  test('the Rollout runs 2 replicas through a canary that pauses at 50% until an operator acts', () => {
    expect(rollout.metadata).toMatchObject({ name: 'mandelbrot', namespace: 'mandelbrot' });
    expect(rollout.spec.replicas).toBe(2);
    // Nothing else: with no traffic router, scaleDownDelaySeconds and dynamicStableScale are InvalidSpec,
    // and with 2 replicas the controller holds 1 stable + 1 canary pod.
    expect(rollout.spec.strategy).toEqual({ canary: { steps: [{ setWeight: 50 }, { pause: {} }, { setWeight: 100 }] } });
  });

  test('the selector matches the template labels', () => {
    const labels = { 'app.kubernetes.io/name': 'mandelbrot', 'app.kubernetes.io/part-of': 'trinity' };
    expect(rollout.spec.selector).toEqual({ matchLabels: labels });
    expect(rollout.spec.template.metadata.labels).toEqual(labels);
  });

  test('the container runs the mounted source with the cluster in its environment', () => {
    expect(container.image).toBe('node:22-alpine');
    expect(container.command).toEqual(['node', '/app/server.js']);
    expect(container.ports).toEqual([
      { name: 'http', containerPort: 8080 },
      { name: 'probes', containerPort: 8081 },
    ]);
    expect(container.env).toEqual([
      { name: 'CLOUD', value: 'aws' },
      { name: 'REGION', value: 'us-east-1' },
      { name: 'STAGE_ROUTE', value: 'aws,gcp,azure' },
      { name: 'MANDELBROT_RELEASE', value: 'continuous' },
      { name: 'DRAIN_TIMEOUT_MS', value: '20000' },
    ]);
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '750m', memory: '384Mi' } });
  });

  test('both probes set their timeout and failure threshold rather than taking the defaults', () => {
    expect(container.readinessProbe).toEqual({
      httpGet: { path: '/readyz', port: 'probes' },
      periodSeconds: 5,
      timeoutSeconds: 2,
      failureThreshold: 3,
    });
    expect(container.livenessProbe).toEqual({
      httpGet: { path: '/healthz', port: 'probes' },
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
    });
  });

  test('the grace period outlasts the drain, so a draining pod exits before the kubelet kills it', () => {
    const drainSeconds = Number(container.env.find((variable: any) => variable.name === 'DRAIN_TIMEOUT_MS').value) / 1000;
    expect(rollout.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(drainSeconds);
  });

  test('the stage token comes from the Secret the overlay names, never from a value in Git', () => {
    expect(container.env.map((variable: any) => variable.name)).not.toContain('STAGE_TOKEN');
    const withToken = synthCluster({ workloads: [boundMandelbrot({ stageTokenSecret: 'mandelbrot-stage-token' })] });
    const env = withToken.get('aws/mandelbrot/rollout-mandelbrot.yaml').spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'STAGE_TOKEN', valueFrom: { secretKeyRef: { name: 'mandelbrot-stage-token', key: 'token' } } });
    // Named by reference only: no Secret object is written.
    expect([...withToken.values()].map((object) => object.kind)).not.toContain('Secret');
  });

  test('the source ConfigMap is mounted read-only at /app', () => {
    const sourceConfigMap = [...files.values()].find(
      (object) => object.kind === 'ConfigMap' && object.metadata.name.startsWith('mandelbrot-source-'),
    );
    const mount = container.volumeMounts.find((volumeMount: any) => volumeMount.mountPath === '/app');
    const volume = rollout.spec.template.spec.volumes.find((candidate: any) => candidate.name === mount.name);
    expect(mount.readOnly).toBe(true);
    expect(volume.configMap.name).toBe(sourceConfigMap.metadata.name);
    expect(sourceConfigMap.data).toEqual({ 'server.js': 'console.log("hello");\n' });
  });

  test('the pod meets the Pod Security Standards "restricted" profile', () => {
    const pod = rollout.spec.template.spec;
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.hostNetwork ?? false).toBe(false);
  });

  test('the Service is a LoadBalancer on port 80 to the http port of both stable and canary pods', () => {
    const service = get('aws/mandelbrot/service-mandelbrot.yaml');
    expect(service.spec).toEqual({
      type: 'LoadBalancer',
      ports: [{ name: 'http', port: 80, targetPort: 'http' }],
      selector: rollout.spec.selector.matchLabels,
    });
  });

  test('overlay settings reach the workload: release, replicas and pull secrets', () => {
    const custom = synthCluster({
      workloads: [boundMandelbrot({ release: 'faster-cycles', replicas: 4, imagePullSecrets: ['registry'] })],
    });
    const customRollout = custom.get('aws/mandelbrot/rollout-mandelbrot.yaml');
    expect(customRollout.spec.replicas).toBe(4);
    expect(customRollout.spec.template.spec.imagePullSecrets).toEqual([{ name: 'registry' }]);
    expect(customRollout.spec.template.spec.containers[0].env).toContainEqual({ name: 'MANDELBROT_RELEASE', value: 'faster-cycles' });
  });

  test('the environment and the repository reach the Applications', () => {
    const custom = synthCluster({
      environment: 'staging',
      gitSource: { repoURL: 'https://example.com/fork.git', revision: 'release', distPath: 'delivery/dist' },
    });
    const root = custom.get('bootstrap/application-trinity-staging-aws-root.yaml');
    expect(root.spec.source).toEqual({
      repoURL: 'https://example.com/fork.git',
      targetRevision: 'release',
      path: 'delivery/dist/aws/argocd',
    });
    expect(custom.get('aws/argocd/appproject-trinity.yaml').spec.sourceRepos).toContain('https://example.com/fork.git');
  });
});
