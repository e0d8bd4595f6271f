// Just enough of Kubernetes' protobuf encoding to accept the bodies kubectl's `create` generators
// send for simple built-in kinds (`kubectl create namespace|configmap|secret|serviceaccount|
// priorityclass`): typed clients write protobuf, and client-go does not fall back to JSON on 415.
// Anything else in protobuf stays 415 UnsupportedMediaType.
import { type Obj, setOwn } from "./util.js";

type Field = { n: number; wire: number; v: bigint | Uint8Array };

function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = (): bigint => {
    let r = 0n;
    let shift = 0n;
    for (;;) {
      if (i >= buf.length) throw new Error("truncated varint");
      const b = buf[i++] as number;
      r |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return r;
      shift += 7n;
      if (shift > 70n) throw new Error("varint too long");
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const n = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ n, wire, v: varint() });
    else if (wire === 2) {
      const len = Number(varint());
      if (i + len > buf.length) throw new Error("truncated field");
      out.push({ n, wire, v: buf.subarray(i, i + len) });
      i += len;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const text = (v: bigint | Uint8Array): string =>
  v instanceof Uint8Array ? Buffer.from(v).toString("utf8") : String(v);
const bytes = (v: bigint | Uint8Array): Uint8Array => (v instanceof Uint8Array ? v : new Uint8Array());
const num = (v: bigint | Uint8Array): number => (typeof v === "bigint" ? Number(BigInt.asIntN(64, v)) : 0);

function map(entries: Field[], asBase64 = false): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) {
    let k = "";
    let val = "";
    for (const f of fields(bytes(e.v))) {
      if (f.n === 1) k = text(f.v);
      if (f.n === 2) val = asBase64 ? Buffer.from(bytes(f.v)).toString("base64") : text(f.v);
    }
    setOwn(out, k, val);
  }
  return out;
}

function objectMeta(buf: Uint8Array): Obj {
  const m: Obj = {};
  const labels: Field[] = [];
  const annotations: Field[] = [];
  const finalizers: string[] = [];
  const owners: Obj[] = [];
  for (const f of fields(buf)) {
    if (f.n === 1) m.name = text(f.v);
    else if (f.n === 2) m.generateName = text(f.v);
    else if (f.n === 3) m.namespace = text(f.v);
    else if (f.n === 6) m.resourceVersion = text(f.v);
    else if (f.n === 11) labels.push(f);
    else if (f.n === 12) annotations.push(f);
    else if (f.n === 14) finalizers.push(text(f.v));
    else if (f.n === 13) {
      const o: Obj = {};
      for (const g of fields(bytes(f.v))) {
        if (g.n === 1) o.kind = text(g.v);
        if (g.n === 3) o.name = text(g.v);
        if (g.n === 4) o.uid = text(g.v);
        if (g.n === 5) o.apiVersion = text(g.v);
        if (g.n === 6) o.controller = g.v !== 0n;
        if (g.n === 7) o.blockOwnerDeletion = g.v !== 0n;
      }
      owners.push(o);
    }
  }
  if (labels.length) m.labels = map(labels);
  if (annotations.length) m.annotations = map(annotations);
  if (finalizers.length) m.finalizers = finalizers;
  if (owners.length) m.ownerReferences = owners;
  return m;
}

type Decoder = (fs: Field[], obj: Obj) => void;

const decoders: Record<string, Decoder> = {
  "v1/Namespace": (fs, obj) => {
    for (const f of fs)
      if (f.n === 2)
        obj.spec = {
          finalizers: fields(bytes(f.v))
            .filter((g) => g.n === 1)
            .map((g) => text(g.v)),
        };
  },
  "v1/ConfigMap": (fs, obj) => {
    const data = fs.filter((f) => f.n === 2);
    const bin = fs.filter((f) => f.n === 3);
    if (data.length) obj.data = map(data);
    if (bin.length) obj.binaryData = map(bin, true);
    for (const f of fs) if (f.n === 4) obj.immutable = f.v !== 0n;
  },
  "v1/Secret": (fs, obj) => {
    const data = fs.filter((f) => f.n === 2);
    const stringData = fs.filter((f) => f.n === 4);
    if (data.length) obj.data = map(data, true);
    if (stringData.length) obj.stringData = map(stringData);
    for (const f of fs) {
      if (f.n === 3) obj.type = text(f.v);
      if (f.n === 5) obj.immutable = f.v !== 0n;
    }
  },
  "v1/ServiceAccount": (fs, obj) => {
    for (const f of fs) if (f.n === 4) obj.automountServiceAccountToken = f.v !== 0n;
  },
  "scheduling.k8s.io/v1/PriorityClass": (fs, obj) => {
    for (const f of fs) {
      if (f.n === 2) obj.value = num(f.v) | 0;
      if (f.n === 3) obj.globalDefault = f.v !== 0n;
      if (f.n === 4) obj.description = text(f.v);
      if (f.n === 5) obj.preemptionPolicy = text(f.v);
    }
  },
};

/** Decodes a `k8s\0`-enveloped protobuf body, or returns undefined for kinds it does not know. */
export function decodeProtobuf(buf: Uint8Array): Obj | undefined {
  if (buf.length < 4 || buf[0] !== 0x6b || buf[1] !== 0x38 || buf[2] !== 0x73 || buf[3] !== 0)
    return undefined;
  let apiVersion = "";
  let kind = "";
  let raw: Uint8Array | undefined;
  for (const f of fields(buf.subarray(4))) {
    if (f.n === 1)
      for (const g of fields(bytes(f.v))) {
        if (g.n === 1) apiVersion = text(g.v);
        if (g.n === 2) kind = text(g.v);
      }
    if (f.n === 2) raw = bytes(f.v);
  }
  const decode = decoders[`${apiVersion}/${kind}`];
  if (!decode || !raw) return undefined;
  const fs = fields(raw);
  const obj: Obj = { apiVersion, kind, metadata: {} };
  for (const f of fs) if (f.n === 1) obj.metadata = objectMeta(bytes(f.v));
  decode(fs, obj);
  return obj;
}
