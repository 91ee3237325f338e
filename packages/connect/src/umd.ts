// The script-tag build's entry: sets the `PatchbayConnect` global (and `module.exports` under CommonJS).
import { PatchbayConnect } from './index.js'

declare const module: { exports: unknown } | undefined
;(globalThis as Record<string, unknown>).PatchbayConnect = PatchbayConnect
if (typeof module === 'object' && module) module.exports = PatchbayConnect
