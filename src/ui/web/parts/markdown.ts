/**
 * The final answer as rendered Markdown. markdown-it with `html: false` escapes every raw
 * HTML tag in the source, and its link check drops javascript:, vbscript: and file: URLs,
 * so the output holds only the tags Markdown itself makes; the page's CSP blocks inline
 * scripts on top of that.
 */
import MarkdownIt from 'markdown-it';
import { html } from 'htm/preact';

const md = new MarkdownIt({ html: false, linkify: false, typographer: false });

export function Markdown({ source }: { source: string }) {
  return html`<div class="markdown" data-testid="markdown" dangerouslySetInnerHTML=${{ __html: md.render(source) }}></div>`;
}
