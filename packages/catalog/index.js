import { fileURLToPath } from 'node:url'

/** Absolute path of the folder holding one `<key>/app.yaml` (and its logo) per app. */
export const appsDir = fileURLToPath(new URL('./apps/', import.meta.url))
