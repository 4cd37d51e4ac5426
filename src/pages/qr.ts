/** QR codes of page addresses, as PNG: a data URL for the pages (the CSP allows `data:` images only), bytes for PDFs. */
import QRCode from 'qrcode'

const OPTIONS = { errorCorrectionLevel: 'M', margin: 2, width: 320 } as const

export function qrDataUrl(text: string): Promise<string> {
  return QRCode.toDataURL(text, OPTIONS)
}

export function qrPng(text: string): Promise<Buffer> {
  return QRCode.toBuffer(text, { ...OPTIONS, type: 'png' })
}
