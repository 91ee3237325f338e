/**
 * Realistic inputs for every Connect UI page, for the size and theme tests and for screenshots. Logos are same-origin
 * paths (`/logos/<key>.svg`); a screenshot server has to answer them.
 */
import type { AppSummary, Branding, FormOption, PageContext, ResultMessage } from '../../src/connect/pages/index.js'
import {
  renderAppForm,
  renderError,
  renderPicker,
  renderRedirecting,
  renderResult,
  renderSessionProblem,
} from '../../src/connect/pages/index.js'

export const sampleNonce = 'q3F0cGJ5bm9uY2VfMTIzNA=='

export function sampleContext(mode: Branding['mode'] = 'light', branding: Partial<Branding> = {}): PageContext {
  return {
    nonce: sampleNonce,
    branding: { partnerName: 'Acme CRM', logoUrl: '/logos/acme.svg', brandColor: '#0f766e', mode, ...branding },
  }
}

export const sampleApps: AppSummary[] = [
  {
    key: 'slack',
    name: 'Slack',
    logoUrl: '/logos/slack.svg',
    description: 'Send messages and read channels in your workspace.',
    categories: ['communication'],
  },
  {
    key: 'github',
    name: 'GitHub',
    logoUrl: '/logos/github.svg',
    description: 'Create issues and pull requests in your repositories.',
    categories: ['developer-tools'],
  },
  {
    key: 'google-sheets',
    name: 'Google Sheets',
    logoUrl: '/logos/google-sheets.svg',
    description: 'Append rows and read spreadsheets.',
    categories: ['productivity'],
  },
  {
    key: 'hubspot',
    name: 'HubSpot',
    logoUrl: '/logos/hubspot.svg',
    description: 'Sync contacts, companies and deals.',
    categories: ['crm', 'marketing'],
  },
  {
    key: 'zendesk',
    name: 'Zendesk',
    logoUrl: '/logos/zendesk.svg',
    description: 'Create and update support tickets.',
    categories: ['support'],
  },
  {
    key: 'stripe',
    name: 'Stripe',
    logoUrl: '/logos/stripe.svg',
    description: 'Read customers, invoices and payments.',
    categories: ['payments'],
  },
  {
    key: 'notion',
    name: 'Notion',
    logoUrl: '/logos/notion.svg',
    description: 'Create pages and query databases.',
    categories: ['productivity'],
  },
  {
    key: 'linear',
    name: 'Linear',
    logoUrl: '/logos/linear.svg',
    description: 'Create and track issues across teams.',
    categories: ['project-management'],
  },
]

export const zendesk: AppSummary = sampleApps[4]!
export const stripe: AppSummary = sampleApps[5]!
export const slack: AppSummary = sampleApps[0]!

const subdomain = {
  key: 'subdomain',
  label: 'Zendesk subdomain',
  pattern: '^[a-z0-9][a-z0-9-]{0,62}$',
  example: 'acme',
  secret: false,
  optional: false,
  prefix: 'https://',
  suffix: '.zendesk.com',
}

export const zendeskOptions: FormOption[] = [
  {
    key: 'api_token',
    label: 'API token',
    type: 'basic',
    action: '/to/zendesk/api_token',
    submitLabel: 'Connect Zendesk',
    hidden: { csrf: 'c5rf-t0ken-value' },
    fields: [
      { ...subdomain, value: 'acme' },
      {
        key: 'email',
        label: 'Agent email',
        help: 'The email address you sign in to Zendesk with.',
        secret: false,
        optional: false,
        value: 'ada@acme.test',
      },
      {
        key: 'api_token',
        label: 'API token',
        help: 'Admin Center → Apps and integrations → Zendesk API.',
        secret: true,
        optional: false,
        value: 'should-never-be-echoed',
        error: 'Zendesk rejected this token.',
      },
    ],
  },
  {
    key: 'oauth',
    label: 'Sign in with Zendesk',
    type: 'oauth2',
    action: '/to/zendesk/oauth',
    submitLabel: 'Continue to Zendesk',
    hidden: { csrf: 'c5rf-t0ken-value' },
    fields: [subdomain],
  },
]

export const stripeOptions: FormOption[] = [
  {
    key: 'api_key',
    label: 'API key',
    type: 'api_key',
    action: '/to/stripe/api_key',
    submitLabel: 'Connect Stripe',
    fields: [
      {
        key: 'api_key',
        label: 'Secret key',
        help: 'A restricted key from Developers → API keys in the Stripe Dashboard.',
        pattern: '^(sk|rk)_(test|live)_[A-Za-z0-9]{10,}$',
        secret: true,
        optional: false,
      },
      { key: 'account_name', label: 'Account nickname', example: 'Acme EU', secret: false, optional: true },
    ],
  },
]

export const successMessage: ResultMessage = {
  type: 'patchbay:connect',
  status: 'success',
  connection_id: 'conn_8fJ2kQ0xTn4bYw1c',
  app: 'slack',
  operation: 'creation',
  account_identifier: 'acme-team.slack.com',
  nonce: 'n0nce-from-widget-123',
  session_id: 'cs_91b2c3d4e5f6a7b8',
}

export const errorMessage: ResultMessage = {
  type: 'patchbay:connect',
  status: 'error',
  app: 'slack',
  error: 'access_denied',
  error_description: 'The user denied access.',
  nonce: 'n0nce-from-widget-123',
  session_id: 'cs_91b2c3d4e5f6a7b8',
}

export interface RenderedSample {
  name: string
  html: string
}

const CATEGORIES = ['crm', 'support', 'communication', 'developer-tools', 'accounting', 'hr', 'ai', 'storage']

/** A catalog-sized picker: 160 apps over eight categories (the search form shows from nine apps on). */
export const manyApps: AppSummary[] = Array.from({ length: 160 }, (_, i) => ({
  key: `app-${String(i).padStart(3, '0')}`,
  name: `${['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli'][i % 5]} ${CATEGORIES[i % 8]} ${i}`,
  logoUrl: `/logos/app-${i}.svg`,
  description: `Sample app number ${i} in ${CATEGORIES[i % 8]}.`,
  categories: [CATEGORIES[i % 8] as string],
}))

/** Every page (and the interesting variants) rendered with the sample inputs. */
export function renderSamples(mode: Branding['mode'] = 'light', branding: Partial<Branding> = {}): RenderedSample[] {
  const ctx = sampleContext(mode, branding)
  return [
    { name: 'picker', html: renderPicker(ctx, { apps: sampleApps, hrefFor: (key) => `/to/${key}?session=cs_91b2c3d4e5f6a7b8` }) },
    {
      name: 'picker-many',
      html: renderPicker(ctx, {
        apps: manyApps,
        hrefFor: (key) => `/connect/cs_91b2c3d4e5f6a7b8/${key}`,
        searchAction: '/connect/cs_91b2c3d4e5f6a7b8',
        q: 'acme',
        category: 'crm',
      }),
    },
    { name: 'form-single', html: renderAppForm(ctx, { app: stripe, options: stripeOptions }) },
    {
      name: 'form-options',
      html: renderAppForm(ctx, {
        app: zendesk,
        options: zendeskOptions,
        selectedOption: 'api_token',
        formError: 'We could not verify these credentials with Zendesk. Check them and try again.',
      }),
    },
    {
      name: 'redirecting',
      html: renderRedirecting(ctx, {
        app: slack,
        url: 'https://slack.com/oauth/v2/authorize?client_id=123.456&scope=chat%3Awrite%2Cchannels%3Aread&redirect_uri=https%3A%2F%2Fconnect.acme.test%2Foauth%2Fcallback&state=Zm9vYmFyYmF6cXV4&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256',
      }),
    },
    {
      name: 'result-success',
      html: renderResult(ctx, {
        app: slack,
        message: successMessage,
        targetOrigin: 'https://app.acme.test',
        title: 'Slack is connected',
        detail: 'Acme CRM can now use your Slack account.',
      }),
    },
    {
      name: 'result-error',
      html: renderResult(ctx, {
        app: slack,
        message: errorMessage,
        targetOrigin: null,
        title: 'Slack was not connected',
        detail: 'You declined access at Slack. Nothing was saved.',
        continueHref: 'https://app.acme.test/integrations?error=access_denied',
      }),
    },
    { name: 'session-expired', html: renderSessionProblem(ctx, { reason: 'expired' }) },
    { name: 'session-used', html: renderSessionProblem(ctx, { reason: 'used' }) },
    { name: 'session-invalid', html: renderSessionProblem(ctx, { reason: 'invalid' }) },
    { name: 'session-not-found', html: renderSessionProblem(ctx, { reason: 'not_found' }) },
    {
      name: 'error',
      html: renderError(ctx, {
        title: 'Something went wrong',
        message: 'Slack did not answer in time. Your account was not connected.',
        code: 'PB_ERR_PROVIDER_TIMEOUT',
        app: slack,
        retryHref: '/to/slack?retry=1',
      }),
    },
  ]
}

/** Bytes of HTML (with its inline CSS and JS) of each sample page, per theme mode. */
export function pageSizes(mode: Branding['mode'] = 'auto'): Record<string, number> {
  return Object.fromEntries(renderSamples(mode).map((s) => [s.name, Buffer.byteLength(s.html, 'utf8')]))
}
