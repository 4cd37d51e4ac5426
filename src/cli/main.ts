#!/usr/bin/env node
/** Entry point of the `microcred` binary: a thin shell around {@link runCli}. */
import { runCli } from './run-cli.js'

/** Standard input as text, read until its end or until more than `maxBytes` bytes arrived. */
async function readStdin(maxBytes: number): Promise<string> {
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of process.stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))
    chunks.push(buffer)
    total += buffer.length
    if (total > maxBytes) break
  }
  return Buffer.concat(chunks).toString('utf8')
}

const io = {
  out: (text: string) => void process.stdout.write(text),
  err: (text: string) => void process.stderr.write(text),
  readStdin,
  stdin: () => process.stdin,
  ...(process.stderr.isTTY ? { terminal: process.stderr } : {}),
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
