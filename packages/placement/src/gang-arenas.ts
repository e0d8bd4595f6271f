// The arenas both passes that run after the engine read (verdict.ts, reason-count.ts): the
// cluster's domain tree and every gang's groups and constraint tree, as the engines left them.
import type { CallEncoding } from "./encode.js";
import { C, P } from "./layout.js";

export class GangArenas {
  protected readonly N: number;
  protected readonly Rn: number;
  protected readonly L: number;
  protected readonly D: number;
  protected readonly K: number;
  protected readonly G: number;
  protected readonly T: number;
  protected readonly domStart: Int32Array;
  protected readonly domEnd: Int32Array;
  protected readonly levelDom: Int32Array;
  protected readonly elig: Uint8Array;
  protected readonly gangRoot: Int32Array;
  protected readonly gangGrp: Int32Array;
  protected readonly gMin: Int32Array;
  protected readonly gShape: Int32Array;
  protected readonly gTree: Int32Array;
  protected readonly gReq: Float64Array;
  protected readonly tReq: Int32Array;
  protected readonly tParent: Int32Array;

  constructor(call: CallEncoding) {
    const c = call.cluster.views();
    this.N = c.hdr[C.N] as number;
    this.Rn = c.hdr[C.R] as number;
    this.L = c.hdr[C.L] as number;
    this.D = c.hdr[C.D] as number;
    this.domStart = c.i32(C.DOMSTART, this.D);
    this.domEnd = c.i32(C.DOMEND, this.D);
    this.levelDom = c.i32(C.LEVELDOM, this.L + 1);
    const v = call.views();
    this.K = v.hdr[P.K] as number;
    this.G = v.hdr[P.G] as number;
    this.T = v.hdr[P.T] as number;
    this.elig = v.u8(P.ELIG, (v.hdr[P.S] as number) * this.N);
    this.gangRoot = v.i32(P.GANGROOT, this.K);
    this.gangGrp = v.i32(P.GANGGRP, this.K + 1);
    this.gMin = v.i32(P.GMIN, this.G);
    this.gShape = v.i32(P.GSHAPE, this.G);
    this.gTree = v.i32(P.GTREE, this.G);
    this.gReq = v.f64(P.GREQ, this.G * this.Rn);
    this.tReq = v.i32(P.TREQ, this.T);
    this.tParent = v.i32(P.TPARENT, this.T);
  }
}
