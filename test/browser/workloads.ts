// Workloads the browser suites apply: a PodCliqueSet of `workers` 8-GPU trainer pods that must share
// one rack (grove-sim's default cluster has 4 nodes of 8 GPUs per rack).
export const rackPcs = (name: string, workers: number) => `apiVersion: grove.io/v1alpha1
kind: PodCliqueSet
metadata:
  name: ${name}
  namespace: default
spec:
  replicas: 1
  template:
    topologyConstraint:
      topologyName: grove-topology
      pack:
        required: rack
    cliques:
      - name: trainer
        spec:
          roleName: trainer
          replicas: ${workers}
          podSpec:
            containers:
              - name: trainer
                image: ghcr.io/example/trainer:1.0
                resources:
                  requests: { cpu: "8", nvidia.com/gpu: "8" }
                  limits: { nvidia.com/gpu: "8" }
`;
