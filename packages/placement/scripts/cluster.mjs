// The cluster and gangs quick-measure.mjs and stages.mjs time: the bench's shape (bench/src/shapes.ts),
// 5,000 nodes = 5 blocks x 10 racks x 100 hosts, 8 GPUs, 128 cpu, 2048Gi each, in topology order.
export const nodes = [];
for (let b = 0; b < 5; b++)
  for (let r = 0; r < 10; r++)
    for (let h = 0; h < 100; h++) {
      const name = `n-${b}-${r}-${String(h).padStart(3, "0")}`;
      nodes.push({
        name,
        labels: { block: `b${b}`, rack: `b${b}-r${r}`, host: name },
        allocatable: { cpu: "128", memory: "2048Gi", "nvidia.com/gpu": "8", pods: "110" },
      });
    }

export const topology = {
  levels: [
    { domain: "block", key: "block" },
    { domain: "rack", key: "rack" },
    { domain: "host", key: "host" },
  ],
};

/** `n` gangs of `pods` one-GPU pods, each required in one domain of `level`. */
export const gangsOf = (n, pods, level) =>
  Array.from({ length: n }, (_, i) => ({
    name: `g${i}`,
    constraint: { required: level },
    groups: [{ name: `g${i}-w`, count: pods, requests: { "nvidia.com/gpu": 1 } }],
  }));

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
