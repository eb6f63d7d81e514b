import { escapeHtml, html, htmlDocument, raw, type RawHtml } from '../reports/html';
import type { Flash, Principal } from './auth';

export type Section = 'models' | 'experiments' | 'alerts' | 'none';

export interface PageChrome {
  principal: Principal | null;
  flash?: Flash | null;
  temporalListUrl?: string;
  openAlerts?: number;
}

/** A hidden CSRF field for a form posted with a session cookie (bearer clients need none). */
export function csrfField(principal: Principal | null): RawHtml {
  return principal?.kind === 'session'
    ? html`<input type="hidden" name="csrf" value="${principal.csrf}" />`
    : html``;
}

/** The page shell: top bar with navigation, the one-shot message, the content. */
export function page(title: string, section: Section, chrome: PageChrome, content: RawHtml): string {
  const nav = (key: Section, href: string, label: string, extra?: RawHtml) =>
    html`<a href="${href}" ${section === key ? raw(' class="active" aria-current="page"') : ''}
      >${label}${extra ?? ''}</a
    >`;
  const alerts = chrome.openAlerts
    ? html` <span class="badge badge-bad">${chrome.openAlerts}</span>`
    : html``;
  const body = html`<header class="top">
      <span class="brand">Gal-Friday · Operations</span>
      ${
        chrome.principal
          ? html`<nav>
                ${nav('models', '/ui', 'Models')}${nav('experiments', '/ui/experiments', 'Experiments')}${nav('alerts', '/ui/alerts', 'Alerts', alerts)}${
                  chrome.temporalListUrl
                    ? html`<a href="${chrome.temporalListUrl}" rel="noopener noreferrer">Temporal UI ↗</a>`
                    : ''
                }
              </nav>
              <span class="who">${chrome.principal.operator}</span>
              ${
                chrome.principal.kind === 'session'
                  ? html`<form method="post" action="/ui/logout">
                      ${csrfField(chrome.principal)}<button class="link" type="submit">Log out</button>
                    </form>`
                  : ''
              }`
          : html`<nav></nav>`
      }
    </header>
    <main>
      ${chrome.flash ? html`<div class="flash flash-${chrome.flash.tone}" role="status" data-testid="flash">${chrome.flash.text}</div>` : ''}
      ${content}
    </main>`;
  return htmlDocument({ title: `${title} · Gal-Friday`, body });
}

export function errorPage(status: number, title: string, message: string, chrome: PageChrome): string {
  return page(
    title,
    'none',
    chrome,
    html`<section class="card" style="max-width:640px;margin:40px auto">
      <h1>${String(status)} · ${title}</h1>
      <p class="sub">${message}</p>
      <p><a href="/ui">← Back to the models</a></p>
    </section>`,
  );
}

export { escapeHtml };
