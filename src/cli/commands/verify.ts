/** `verify`: verifies a credential or presentation from a file or standard input, in any folder. */
import { open as openFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { UsageError } from '../../errors.js'
import { createStandaloneVerifierDeps, createVerifierDeps } from '../../verifier/verifier-deps.js'
import { DEFAULT_MAX_BYTES, parseVerifiable, unparseable } from '../../verifier/parse-input.js'
import { isPolicyName, POLICY_NAMES } from '../../verifier/policies.js'
import type { CredentialSummary, VerificationResult, VerifierDeps } from '../../verifier/types.js'
import { formatFailureResult, verifyCredential } from '../../verifier/verify-credential.js'
import { verifyPresentation } from '../../verifier/verify-presentation.js'
import type { Command, CommandEnv } from '../command.js'

/** Reads at most `maxBytes + 1` bytes: enough for the verifier to refuse an over-size input as such. */
async function readLimited(path: string, maxBytes: number): Promise<string> {
  const handle = await openFile(path, 'r')
  try {
    const buffer = Buffer.alloc(maxBytes + 1)
    let length = 0
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null)
      if (bytesRead === 0) break
      length += bytesRead
    }
    return buffer.subarray(0, length).toString('utf8')
  } finally {
    await handle.close()
  }
}

/** The input text, or the reason it could not be read. */
async function readInput(env: CommandEnv, arg: string): Promise<{ text: string } | { error: string }> {
  if (arg === '-') {
    if (env.io.readStdin === undefined)
      throw new UsageError('Standard input is not available here; give a file')
    return { text: await env.io.readStdin(DEFAULT_MAX_BYTES) }
  }
  try {
    return { text: await readLimited(resolve(env.cwd, arg), DEFAULT_MAX_BYTES) }
  } catch (cause) {
    return { error: `Cannot read ${arg}: ${(cause as NodeJS.ErrnoException).code ?? 'unreadable'}` }
  }
}

function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text.padEnd(width)
}

function summaryLines(summary: CredentialSummary, indent: string): string[] {
  const rows: Array<[string, string | undefined]> = [
    ['Holder', summary.holderName],
    ['Title', summary.title],
    ['Awarding body', summary.awardingBody],
    [
      'Issuer',
      summary.issuerName === undefined
        ? summary.issuerDid
        : `${summary.issuerName} (${summary.issuerDid ?? ''})`,
    ],
    ['Issued', summary.issued],
    ['ECTS', summary.ects?.toString()],
    ['EQF level', summary.eqfLevel?.toString()],
    ['Grade', summary.grade],
  ]
  const lines = rows
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${indent}  ${pad(`${k}:`, 15)}${v as string}`)
  if (summary.learningOutcomes !== undefined) {
    lines.push(`${indent}  Learning outcomes:`)
    for (const outcome of summary.learningOutcomes) lines.push(`${indent}    - ${outcome}`)
  }
  if (summary.issuerName === undefined)
    lines.push(`${indent}  (the issuer is not in the trusted-issuer registry: no name shown)`)
  return lines
}

/** The readable report: verdict, one line per check, errors, warnings, the summary; nested for presentations. */
export function formatReport(result: VerificationResult, indent = ''): string {
  const lines: string[] = []
  const how = result.mechanism === undefined ? '' : `, ${result.mechanism}`
  lines.push(
    `${indent}${result.verified ? 'VERIFIED' : 'NOT VERIFIED'}: ${result.kind}${how}, policy ${result.policy}`,
  )
  for (const check of result.checks) {
    lines.push(
      `${indent}  ${pad(check.id, 16)}${pad(check.status, 14)}${pad(check.code, 30)}${check.message}`,
    )
  }
  const problems = (title: string, list: VerificationResult['errors']) => {
    if (list.length === 0) return
    lines.push(`${indent}${title}:`)
    for (const p of list) {
      const where = p.instance ? ` at ${p.instance === '' ? '/' : p.instance}` : ''
      lines.push(`${indent}  - ${p.code ?? p.type}${where}: ${p.detail ?? p.title}`)
    }
  }
  problems('Errors', result.errors)
  problems('Warnings', result.warnings)
  if (result.summary !== undefined) {
    lines.push(`${indent}Summary:`)
    lines.push(...summaryLines(result.summary, indent))
  }
  let text = `${lines.join('\n')}\n`
  result.credentials?.forEach((credential, i) => {
    text += `\n${indent}Credential ${i + 1} of ${result.credentials?.length ?? 0}:\n${formatReport(credential, `${indent}  `)}`
  })
  return text
}

async function depsFor(env: CommandEnv): Promise<{ deps: VerifierDeps; close: () => Promise<void> }> {
  if (!env.initialized) {
    const options = {
      clock: env.clock,
      ...(env.config.trustedIssuersFile ? { trustedIssuersFile: env.config.trustedIssuersFile } : {}),
    }
    return { deps: createStandaloneVerifierDeps(options), close: async () => {} }
  }
  const ctx = await env.open()
  try {
    return { deps: createVerifierDeps(ctx), close: () => ctx.close() }
  } catch (err) {
    await ctx.close()
    throw err
  }
}

export const verifyCommand: Command = {
  path: ['verify'],
  summary:
    'Verifies a credential or presentation (Data Integrity JSON, a vc+jwt / vp+jwt compact JWS, or an enveloped ' +
    "one) and reports each check. Works in any folder; inside a home folder it also knows that instance's " +
    'issuers and status lists. Exit 0 when verified, 1 when not.',
  usage: '<file | -> [--challenge <c>] [--domain <d>] [--policy default|employer] [--json]',
  options: {
    challenge: { type: 'string' },
    domain: { type: 'string' },
    policy: { type: 'string' },
    json: { type: 'boolean' },
  },
  help: {
    challenge: 'presentations: the challenge (nonce) you issued',
    domain: 'presentations: the domain (audience) you expect',
    policy: `which checks must pass: ${POLICY_NAMES.join(' or ')} (default: default)`,
    json: 'print the result object as JSON instead of the readable report',
  },
  positionals: { min: 1, max: 1 },
  async run(env, values, positionals) {
    const policy: unknown = values.policy ?? 'default'
    if (!isPolicyName(policy)) throw new UsageError(`--policy must be ${POLICY_NAMES.join(' or ')}`)
    const input = await readInput(env, positionals[0] as string)
    let result: VerificationResult
    if ('error' in input) {
      result = formatFailureResult(
        unparseable('', 'FORMAT_UNREADABLE', input.error).check,
        policy,
        'credential',
      )
    } else {
      const { deps, close } = await depsFor(env)
      try {
        const parsed = parseVerifiable(input.text)
        if (parsed.kind === 'presentation') {
          const options = {
            policy,
            ...(typeof values.challenge === 'string' ? { challenge: values.challenge } : {}),
            ...(typeof values.domain === 'string' ? { domain: values.domain } : {}),
          }
          result = await verifyPresentation(input.text, deps, options)
        } else {
          result = await verifyCredential(input.text, deps, { policy })
        }
      } finally {
        await close()
      }
    }
    env.io.out(values.json === true ? `${JSON.stringify(result, null, 2)}\n` : formatReport(result))
    return result.verified ? 0 : 1
  },
}
