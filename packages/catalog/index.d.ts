/** Absolute path of the folder holding one `<key>/app.yaml` (and its logo) per app. */
export declare const appsDir: string
