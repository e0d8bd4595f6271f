// grove-sim: the API server, Grove's controllers, the gang scheduler and simulated nodes in one process.
export {
  ClusterFileError,
  type ClusterSpec,
  checkCluster,
  clusterNodes,
  clusterTopologyBindings,
  defaultCluster,
  loadClusterFile,
  type PoolSpec,
  type PoolTopologyLabel,
  resolveClusterFile,
  type SimNode,
  shippedClusters,
  type TaintSpec,
  type TopologySpec,
} from "./cluster.js";
export { type FaultAction, type FaultSpec, startFaultSchedule } from "./cluster-faults.js";
export {
  type ControlPlane,
  ControlPlaneError,
  type ControlPlaneOptions,
  KUBE_CONTROLLERS,
  KUBE_PROGRAMS,
  KUBE_RELEASE,
  kubeBinDir,
  missingKubeBinaries,
  startControlPlane,
} from "./control-plane.js";
export { createKubelets, type KubeletOptions, type Kubelets } from "./kubelet.js";
export { NODE_READY_ANNOTATION, type NodeLifecycleOptions } from "./node-faults.js";
export { NODE_LEASE_NAMESPACE, type SimNodes, type SimNodesOptions, startSimNodes } from "./nodes.js";
export { EXIT_ANNOTATION, type FaultOptions, HOLD_ANNOTATION, READY_ANNOTATION } from "./pod-faults.js";
export { inShard, parseShard, type Shard, shardText } from "./shard.js";
export {
  type Dashboard,
  type DashboardAddr,
  DEFAULT_DASHBOARD_ADDR,
  dashboardAddr,
  startSimDashboard,
} from "./sim-dashboard.js";
export {
  type ControlPlaneMode,
  type OperatorMode,
  SIM_SCHEDULER_NAMES,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
} from "./simulator.js";
export { createTokenFiller, type TokenFiller } from "./tokens.js";
