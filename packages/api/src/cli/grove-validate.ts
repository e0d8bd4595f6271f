// grove-validate FILE...: lint Grove manifests before applying them (see main.ts for the contract).
// Runs on import: the committed bin shim (bin/grove-validate.js) imports the built module.
import { main } from "./main.js";

process.exitCode = main(process.argv.slice(2), {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
});
