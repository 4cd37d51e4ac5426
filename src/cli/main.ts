#!/usr/bin/env node
/** Entry point of the `microcred` binary: a thin shell around {@link runCli}. */
import { runCli } from './run-cli.js'

const io = {
  out: (text: string) => void process.stdout.write(text),
  err: (text: string) => void process.stderr.write(text),
}

runCli(process.argv.slice(2), { env: process.env, cwd: process.cwd(), io }).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    // An unexpected failure: name it without dumping objects that could hold data.
    const error = err instanceof Error ? err : new Error(String(err))
    process.stderr.write(`internal error: ${error.name}: ${error.message}\n`)
    if (process.env.MICROCRED_LOG_LEVEL === 'debug' && error.stack) process.stderr.write(`${error.stack}\n`)
    process.exitCode = 1
  },
)
