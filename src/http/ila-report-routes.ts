/**
 * `GET /ila/report`: the reconciliation report of the token's tenant, as JSON, CSV or an HTML page (see
 * `docs/ila.md`). It is computed in the database on every request; a million records take tens of seconds.
 */
import { Router, type Request } from 'express'
import type { AppContext } from '../context.js'
import { ValidationError, type FieldProblem } from '../errors.js'
import { reconcile, type ReconcileInput } from '../ila/reconcile.js'
import { REPORT_FORMATS, REPORT_MEDIA_TYPES, renderReport, type ReportFormat } from '../ila/render-report.js'
import { callerOf, requireScope } from './auth.js'

/** The query parameters the route reads; any other is refused, so that a misspelt filter is not ignored. */
const PARAMETERS = [
  'scheme',
  'from',
  'to',
  'format',
  'suppressBelow',
  'eligibleAccounts',
  'eligibleMostInNeedAccounts',
  'limit',
] as const

function refused(field: string, message: string): ValidationError {
  return new ValidationError(message, [{ field, rule: 'format', message }])
}

/** The report's options from the query string; malformed values are a 400 problem. */
function inputOf(req: Request): { input: ReconcileInput; format: ReportFormat } {
  const query = req.query as Record<string, unknown>
  const problems: FieldProblem[] = []
  for (const name of Object.keys(query)) {
    if (!(PARAMETERS as readonly string[]).includes(name)) {
      problems.push({ field: name, rule: 'additionalProperties', message: `unknown parameter ${name}` })
    } else if (typeof query[name] !== 'string') {
      problems.push({ field: name, rule: 'type', message: `${name} must be given once` })
    }
  }
  if (problems.length > 0) throw new ValidationError('The report cannot be made as asked', problems)
  const text = (name: (typeof PARAMETERS)[number]) => query[name] as string | undefined
  const whole = (name: (typeof PARAMETERS)[number]) => {
    const value = text(name)
    if (value === undefined) return undefined
    if (!/^\d{1,15}$/.test(value)) throw refused(name, `${name} must be a whole number`)
    return Number(value)
  }
  const format = (text('format') ?? 'json') as ReportFormat
  if (!REPORT_FORMATS.includes(format))
    throw refused('format', `format must be one of ${REPORT_FORMATS.join(', ')}`)
  const scheme = text('scheme')
  const from = text('from')
  const to = text('to')
  const suppressBelow = whole('suppressBelow')
  const eligibleAccounts = whole('eligibleAccounts')
  const eligibleMostInNeedAccounts = whole('eligibleMostInNeedAccounts')
  const limit = whole('limit')
  return {
    format,
    input: {
      ...(scheme !== undefined ? { scheme } : {}),
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
      ...(suppressBelow !== undefined ? { suppressBelow } : {}),
      ...(limit !== undefined ? { listLimit: limit, anomalyLimit: limit } : {}),
      denominators: {
        ...(eligibleAccounts !== undefined ? { eligibleAccounts } : {}),
        ...(eligibleMostInNeedAccounts !== undefined ? { eligibleMostInNeedAccounts } : {}),
      },
    },
  }
}

export function ilaReportRoutes(ctx: AppContext): Router {
  const router = Router()
  const read = requireScope(ctx.storage, 'ila:read')

  router.get('/ila/report', read, async (req, res) => {
    const { tenant } = callerOf(req)
    const { input, format } = inputOf(req)
    const report = await reconcile(ctx, { ...input, tenantSlug: tenant.slug })
    // Record ids are pseudonymous, but still personal data: nothing may keep a copy.
    res.setHeader('Cache-Control', 'no-store')
    res.type(REPORT_MEDIA_TYPES[format])
    if (format === 'html') {
      // A page of data: it runs no script and loads nothing, whatever a value in it says.
      res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
    }
    if (format === 'csv') {
      res.setHeader('Content-Disposition', `attachment; filename="ila-report-${tenant.slug}.csv"`)
    }
    res.send(renderReport(report, format))
  })

  return router
}
