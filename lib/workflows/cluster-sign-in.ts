import type { Cloud } from '../core/fields.js';
import { PINNED_ACTIONS, script, type Step, usesOf } from './workflow-steps.js';

/** A cluster the workflow can reach, as its overlay describes it. */
export interface WorkflowCluster {
  /** The cluster's name: a choice of the `cluster` input, and the prefix of its secrets and variables. */
  readonly name: string;
  readonly cloud: Cloud;
  /** Its region (AWS, and the GKE location). */
  readonly region: string;
  /** The kube context the workflow creates for it, which the tool then uses. */
  readonly context: string;
}

/**
 * The name of one of a cluster's GitHub secrets or variables: `<CLUSTER>_<WHAT>`, the cluster's
 * name (not its cloud) in upper case with `-` as `_`, such as `AWS_WEST_ROLE_ARN`.
 */
function clusterSettingName(cluster: string, what: string): string {
  const prefix = cluster.toUpperCase().replaceAll('-', '_');
  // A secret's name may not start with a digit.
  return `${/^\d/.test(prefix) ? `CLUSTER_${prefix}` : prefix}_${what}`;
}

/** Every secret the workflow reads for `cluster`: what signs in. */
export function clusterSecrets(cluster: Pick<WorkflowCluster, 'name' | 'cloud'>): string[] {
  return CLOUD_SECRETS[cluster.cloud].map((what) => clusterSettingName(cluster.name, what));
}

/** Every variable the workflow reads for `cluster`: identifiers that are not secret, shown in logs. */
export function clusterVariables(cluster: Pick<WorkflowCluster, 'name' | 'cloud'>): string[] {
  return CLOUD_VARIABLES[cluster.cloud].map((what) => clusterSettingName(cluster.name, what));
}

const CLOUD_SECRETS: Record<Cloud, readonly string[]> = {
  aws: ['ROLE_ARN'],
  gcp: ['WORKLOAD_IDENTITY_PROVIDER', 'SERVICE_ACCOUNT'],
  azure: ['CLIENT_ID', 'TENANT_ID', 'SUBSCRIPTION_ID'],
};

const CLOUD_VARIABLES: Record<Cloud, readonly string[]> = {
  aws: ['EKS_CLUSTER'],
  gcp: ['PROJECT_ID', 'GKE_CLUSTER'],
  azure: ['RESOURCE_GROUP', 'AKS_CLUSTER'],
};

/**
 * Signs in to the cluster's cloud with GitHub's OIDC token and creates its kube context.
 *
 * @param sessionPrefix names the cloud session, such as `mandelbrot-rollout`
 */
export function clusterSteps(cluster: WorkflowCluster, sessionPrefix: string): Step[] {
  const secret = (what: string) => `\${{ secrets.${clusterSettingName(cluster.name, what)} }}`;
  const variable = (what: string) => `\${{ vars.${clusterSettingName(cluster.name, what)} }}`;
  const step = (name: string, body: Step): Step => ({ name: `${cluster.name}: ${name}`, ...body });
  const gkeStepId = `gke-credentials-${cluster.name}`;
  switch (cluster.cloud) {
    case 'aws':
      return [
        step('sign in to AWS', {
          uses: usesOf(PINNED_ACTIONS.awsCredentials),
          with: {
            'role-to-assume': secret('ROLE_ARN'),
            'role-session-name': `${sessionPrefix}-\${{ github.run_id }}`,
            'aws-region': cluster.region,
          },
        }),
        step(`create kube context ${cluster.context}`, {
          env: { EKS_CLUSTER: variable('EKS_CLUSTER'), AWS_REGION: cluster.region, KUBE_CONTEXT: cluster.context },
          run: 'aws eks update-kubeconfig --name "$EKS_CLUSTER" --region "$AWS_REGION" --alias "$KUBE_CONTEXT"',
        }),
      ];
    case 'gcp':
      return [
        step('sign in to Google Cloud', {
          uses: usesOf(PINNED_ACTIONS.googleAuth),
          with: { workload_identity_provider: secret('WORKLOAD_IDENTITY_PROVIDER'), service_account: secret('SERVICE_ACCOUNT') },
        }),
        step('install gcloud with the GKE auth plugin', {
          uses: usesOf(PINNED_ACTIONS.setupGcloud),
          with: { install_components: 'gke-gcloud-auth-plugin' },
        }),
        step(`create kube context ${cluster.context}`, {
          id: gkeStepId,
          uses: usesOf(PINNED_ACTIONS.gkeCredentials),
          with: {
            cluster_name: variable('GKE_CLUSTER'),
            location: cluster.region,
            project_id: variable('PROJECT_ID'),
            context_name: cluster.context,
            // The plugin refreshes its token; the default short-lived token could expire mid-operation.
            use_auth_provider: true,
          },
        }),
        // get-gke-credentials points KUBECONFIG at a file of its own, which would hide every
        // other cluster's context: merge it into the shared kubeconfig and point back there.
        step(`merge kube context ${cluster.context} into ~/.kube/config`, {
          env: { GKE_KUBECONFIG: `\${{ steps.${gkeStepId}.outputs.kubeconfig_path }}` },
          run: script(
            'mkdir -p "$HOME/.kube" && touch "$HOME/.kube/config"',
            'KUBECONFIG="$HOME/.kube/config:$GKE_KUBECONFIG" kubectl config view --flatten > "$RUNNER_TEMP/kubeconfig"',
            'install -m 600 "$RUNNER_TEMP/kubeconfig" "$HOME/.kube/config"',
            'rm -f "$RUNNER_TEMP/kubeconfig" "$GKE_KUBECONFIG"',
            'echo "KUBECONFIG=$HOME/.kube/config" >> "$GITHUB_ENV"',
          ),
        }),
      ];
    case 'azure':
      return [
        step('sign in to Azure', {
          uses: usesOf(PINNED_ACTIONS.azureLogin),
          with: { 'client-id': secret('CLIENT_ID'), 'tenant-id': secret('TENANT_ID'), 'subscription-id': secret('SUBSCRIPTION_ID') },
        }),
        step('install kubelogin', { uses: usesOf(PINNED_ACTIONS.useKubelogin) }),
        step(`create kube context ${cluster.context}`, {
          env: { AKS_RESOURCE_GROUP: variable('RESOURCE_GROUP'), AKS_CLUSTER: variable('AKS_CLUSTER'), KUBE_CONTEXT: cluster.context },
          run: script(
            'az aks get-credentials --resource-group "$AKS_RESOURCE_GROUP" --name "$AKS_CLUSTER" --context "$KUBE_CONTEXT" --overwrite-existing',
            // Entra ID clusters take their token from the az sign-in. Only this context: without
            // --context kubelogin would rewrite every exec-plugin context, the EKS and GKE ones too.
            'kubelogin convert-kubeconfig --login azurecli --context "$KUBE_CONTEXT"',
          ),
        }),
      ];
  }
}
