import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderApiReference } from "../scripts/gen-api-docs.js";
import { GROVE_KINDS, KAI_QUEUE_KIND } from "../src/index.js";

const committed = readFileSync(
  join(import.meta.dirname, "..", "..", "..", "docs", "api-reference.md"),
  "utf8",
);

describe("docs/api-reference.md", () => {
  it("is what the schemas generate (run `npm run docs:api`)", () => {
    expect(committed === renderApiReference(), "docs/api-reference.md is stale: run `npm run docs:api`").toBe(
      true,
    );
  });

  it("has a section per kind, with a field's type, default and description", () => {
    for (const k of [...GROVE_KINDS, KAI_QUEUE_KIND]) expect(committed).toContain(`\n## ${k.kind}\n`);
    expect(committed).toContain(
      '| `spec.template.cliqueStartupType` | enum: "CliqueStartupTypeAnyOrder", "CliqueStartupTypeInOrder", "CliqueStartupTypeExplicit" | `"CliqueStartupTypeAnyOrder"` | Order in which the cliques of a PodGang start. |',
    );
  });
});
