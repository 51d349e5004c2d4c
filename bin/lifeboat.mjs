#!/usr/bin/env node
// Entry point of the `lifeboat` command. Runs the TypeScript sources directly (Node ≥ 24 strips types).
import { runCli } from '../electron/cli/main.ts';

process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
