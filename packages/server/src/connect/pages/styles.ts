/**
 * The one stylesheet every Connect UI page inlines. Colours are custom properties: light values always, dark ones
 * either unconditionally (`dark`) or under `prefers-color-scheme: dark` (`auto`), and the partner's brand colour
 * (validated `#rrggbb`) for the primary button and the focus ring.
 */

export type ThemeMode = 'light' | 'dark' | 'auto'

export const DEFAULT_BRAND_COLOR = '#4f46e5'

const HEX = /^#[0-9a-fA-F]{6}$/

/** The colour if it is exactly `#rrggbb`, otherwise undefined. */
export function validBrandColor(color: string | undefined): string | undefined {
  return typeof color === 'string' && HEX.test(color) ? color.toLowerCase() : undefined
}

type Rgb = [number, number, number]

function parse(hex: string): Rgb {
  return [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)) as Rgb
}

function format(rgb: Rgb): string {
  return `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`
}

function mix(rgb: Rgb, to: number, amount: number): Rgb {
  return rgb.map((c) => c + (to - c) * amount) as Rgb
}

/** WCAG relative luminance. */
function luminance(rgb: Rgb): number {
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
  }) as Rgb
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

function contrast(a: number, b: number): number {
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)
}

/** Colours derived from the brand colour: button text with the better contrast, rings visible on each background. */
export function brandPalette(color: string | undefined): { brand: string; onBrand: string; ringLight: string; ringDark: string } {
  const brand = validBrandColor(color) ?? DEFAULT_BRAND_COLOR
  const rgb = parse(brand)
  const l = luminance(rgb)
  const onBrand = contrast(l, 1) >= contrast(l, luminance([17, 24, 39])) ? '#ffffff' : '#111827'
  // A ring needs ~3:1 against the card (#fff in light, #161a22 in dark): move the colour towards black or white.
  let light = rgb
  for (let i = 0; i < 10 && contrast(luminance(light), 1) < 3; i++) light = mix(light, 0, 0.15)
  let dark = rgb
  for (let i = 0; i < 10 && contrast(luminance(dark), luminance([22, 26, 34])) < 3; i++) dark = mix(dark, 255, 0.15)
  return { brand, onBrand, ringLight: format(light), ringDark: format(dark) }
}

const LIGHT =
  'color-scheme:light;--bg:#f3f4f6;--card:#fff;--fg:#111827;--mut:#5b6472;--bd:#e3e5e9;--fld:#fff;--sub:#f6f7f9;--err:#b42318;--errbg:#fef3f2;--ok:#15803d'
const DARK =
  'color-scheme:dark;--bg:#0b0d12;--card:#161a22;--fg:#f3f4f6;--mut:#a0a7b4;--bd:#2b313d;--fld:#0f1218;--sub:#1e232d;--err:#f97066;--errbg:#2b1414;--ok:#4ade80'

const BASE = [
  '*,::before,::after{box-sizing:border-box}',
  'body{margin:0;min-height:100vh;display:flex;flex-direction:column;align-items:center;justify-content:center;padding:24px 16px;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;-webkit-text-size-adjust:100%}',
  'main{width:100%;max-width:440px;background:var(--card);border:1px solid var(--bd);border-radius:16px;padding:20px 28px 28px;box-shadow:0 12px 32px -16px rgb(0 0 0/.25)}',
  '.wide{max-width:560px}',
  '.top{display:flex;align-items:center;gap:10px;margin:0 -28px 24px;padding:0 28px 16px;border-bottom:1px solid var(--bd);font-size:14px;font-weight:600;overflow-wrap:anywhere}',
  '.top img{width:28px;height:28px;border-radius:7px;object-fit:contain}',
  '.hd{text-align:center;margin-bottom:20px}',
  '.lg{display:block;width:56px;height:56px;margin:0 auto 14px;border-radius:14px;object-fit:contain}',
  '.mono{display:grid;place-items:center;background:var(--sub);border:1px solid var(--bd);color:var(--mut);font-weight:700;font-size:22px}',
  'h1{font-size:21px;line-height:1.3;margin:0 0 6px;overflow-wrap:anywhere}',
  'p{margin:0 0 12px}',
  '.mut{color:var(--mut)}',
  '.sm{font-size:13px}',
  'a{color:inherit;text-underline-offset:2px}',
  ':focus-visible{outline:3px solid var(--ring);outline-offset:2px}',
  '.f{margin-bottom:16px}',
  'label{display:block;font-size:14px;font-weight:600;margin-bottom:6px}',
  '.in{display:flex;border:1px solid var(--bd);border-radius:10px;background:var(--fld);overflow:hidden}',
  '.in:focus-within{outline:3px solid var(--ring);outline-offset:1px}',
  '.in.bad{border-color:var(--err)}',
  '.in span{display:flex;align-items:center;padding:0 10px;background:var(--sub);color:var(--mut);font-size:14px;overflow-wrap:anywhere}',
  '.in span:first-child{border-right:1px solid var(--bd)}',
  '.in span:last-child{border-left:1px solid var(--bd)}',
  'input{flex:1;width:100%;min-width:0;border:0;outline:0;background:none;color:inherit;font:inherit;padding:10px 12px}',
  '.hint,.err{font-size:13px;margin:6px 0 0}',
  '.hint{color:var(--mut)}',
  '.err{color:var(--err);font-weight:500}',
  '.alert{border:1px solid var(--err);background:var(--errbg);color:var(--err);border-radius:10px;padding:10px 12px;margin-bottom:16px;font-size:14px}',
  '.btn{display:block;width:100%;margin-top:8px;padding:12px 16px;border:1px solid transparent;border-radius:10px;background:var(--brand);color:var(--on-brand);font:inherit;font-weight:600;text-align:center;text-decoration:none;cursor:pointer}',
  '.btn:hover{filter:brightness(1.1)}',
  '.grid{list-style:none;margin:0;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(130px,1fr));gap:10px}',
  '.app{display:flex;flex-direction:column;align-items:center;gap:4px;height:100%;padding:16px 10px;border:1px solid var(--bd);border-radius:12px;text-align:center;text-decoration:none}',
  '.app:hover{border-color:var(--ring);background:var(--sub)}',
  '.srch{display:flex;gap:8px;flex-wrap:wrap;margin-bottom:12px}',
  '.srch .in{flex:1 1 200px}',
  '.srch select{border:1px solid var(--bd);border-radius:10px;background:var(--fld);color:inherit;font:inherit;padding:9px 10px}',
  '.srch select:focus-visible{outline:3px solid var(--ring);outline-offset:1px}',
  '.srch .btn{width:auto;margin:0}',
  '.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}',
  '.app .lg{width:44px;height:44px;margin:0 0 6px;border-radius:11px;font-size:18px}',
  '.app b{font-weight:600;overflow-wrap:anywhere}',
  '.app small{color:var(--mut);font-size:12px;line-height:1.4;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden}',
  'details{border:1px solid var(--bd);border-radius:12px;margin-bottom:10px}',
  'summary{padding:12px 14px;font-weight:600;cursor:pointer;border-radius:12px}',
  'details[open] summary{border-bottom:1px solid var(--bd);border-radius:12px 12px 0 0}',
  'details form{padding:16px 14px 14px}',
  '.ic{display:block;width:48px;height:48px;margin:0 auto 14px;fill:none;stroke:currentColor;stroke-width:1.8;stroke-linecap:round;stroke-linejoin:round;color:var(--ok)}',
  '.ic.e{color:var(--err)}',
  '.bdg{position:relative;width:56px;margin:0 auto 14px}',
  '.bdg .lg{margin:0}',
  '.bdg .ic{position:absolute;right:-9px;bottom:-9px;width:26px;height:26px;margin:0;border-radius:50%;background:var(--card);stroke-width:2.4}',
  '.ic.w{color:var(--mut)}',
  '.spin{animation:s 1s linear infinite;color:var(--ring)}',
  '@keyframes s{to{transform:rotate(1turn)}}',
  '@media (prefers-reduced-motion:reduce){.spin{animation:none}}',
  '.pill{display:inline-block;margin-bottom:12px;padding:3px 12px;border-radius:99px;background:var(--sub);border:1px solid var(--bd);font-size:13px;overflow-wrap:anywhere}',
  '.foot{margin:16px 0 0;font-size:12px;color:var(--mut);text-align:center}',
  '@media (max-width:480px){body{padding:0 0 16px;justify-content:flex-start;background:var(--card)}main{max-width:none;flex:1 0 auto;border:0;border-radius:0;box-shadow:none;padding:16px 20px 24px}.top{margin:0 -20px 20px;padding:0 20px 14px}details form{padding:14px 10px 10px}.in span{padding:0 7px;font-size:13px}input{padding:10px}}',
].join('')

/** The page's whole stylesheet for a theme mode and a brand colour (invalid colours fall back to the default). */
export function pageStyles(mode: ThemeMode, brandColor: string | undefined): string {
  const p = brandPalette(brandColor)
  const brand = `--brand:${p.brand};--on-brand:${p.onBrand}`
  const light = `:root{${brand};${LIGHT};--ring:${p.ringLight}}`
  const dark = `:root{${DARK};--ring:${p.ringDark}}`
  if (mode === 'dark') return `:root{${brand};${DARK};--ring:${p.ringDark}}${BASE}`
  if (mode === 'light') return light + BASE
  return `${light}@media (prefers-color-scheme:dark){${dark}}${BASE}`
}
