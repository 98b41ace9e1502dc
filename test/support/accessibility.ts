import axe from 'axe-core';
import type { Page } from 'playwright-core';

/** The rule tags of WCAG 2.1 level A and AA (what Norway's universal-design rules require). */
/**
 * The few DOM shapes the in-page checks use (the project compiles without the DOM library). The
 * checks run in the browser, so each names `globalThis as PageWindow` itself: a helper from this
 * file would not exist there.
 */
interface PageElement {
  tagName: string;
  id: string;
  scrollWidth: number;
  clientWidth: number;
  clientHeight: number;
  dataset: Record<string, string | undefined>;
  tabIndex: number;
  focus(): void;
  remove(): void;
  prepend(node: PageElement): void;
}
interface PageWindow {
  document: {
    documentElement: PageElement;
    body: PageElement;
    activeElement: PageElement | null;
    createElement(tag: string): PageElement;
    getElementById(id: string): PageElement | null;
    querySelectorAll(selector: string): Iterable<PageElement>;
  };
  getComputedStyle(element: PageElement): {
    display: string;
    visibility: string;
    overflowX: string;
    outlineStyle: string;
    outlineWidth: string;
    boxShadow: string;
  };
}

export const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * Runs axe-core on the page as it is now and returns its WCAG 2.1 AA violations, one readable
 * line each (rule, impact, the first offending elements), so a failing test says what to fix.
 * `state` names the page and state in those lines.
 */
export async function wcagViolations(page: Page, state: string): Promise<string[]> {
  // Evaluated through the DevTools protocol, so the page's Content-Security-Policy (script-src
  // 'self') does not refuse it as it would an injected script tag.
  await page.evaluate(axe.source);
  const result = await page.evaluate(
    (tags) => (globalThis as unknown as { axe: typeof axe }).axe.run({ runOnly: { type: 'tag', values: tags } }),
    WCAG_21_AA,
  );
  return result.violations.map((violation) => {
    const targets = violation.nodes
      .slice(0, 3)
      .map((node) => node.target.join(' '))
      .join(', ');
    return `${state}: ${violation.id} (${violation.impact ?? 'unknown'}) ${violation.help} at ${targets}`;
  });
}

/**
 * The page at 200 % zoom (WCAG 1.4.4 and 1.4.10): emulated as a viewport of half the width, which
 * is what a browser's zoom does to CSS pixels. Returns the elements whose content is cut off or
 * that make the page scroll sideways, so a test can expect none.
 */
export async function lossAtDoubleZoom(page: Page): Promise<string[]> {
  const viewport = page.viewportSize() ?? { width: 1280, height: 900 };
  await page.setViewportSize({ width: Math.round(viewport.width / 2), height: Math.round(viewport.height / 2) });
  try {
    return await page.evaluate(() => {
      const { document, getComputedStyle } = globalThis as unknown as PageWindow;
      const problems: string[] = [];
      const root = document.documentElement;
      if (root.scrollWidth > root.clientWidth + 1)
        problems.push(`the page scrolls sideways (${root.scrollWidth} > ${root.clientWidth} CSS px)`);
      for (const element of Array.from(document.querySelectorAll('body *'))) {
        const style = getComputedStyle(element);
        if (style.display === 'none' || style.visibility === 'hidden') continue;
        // Text for screen readers only (a live region clipped to 1 px on purpose) shows nothing to lose.
        if (element.clientWidth <= 1 && element.clientHeight <= 1) continue;
        const clips = style.overflowX === 'hidden' || style.overflowX === 'clip';
        if (clips && element.scrollWidth > element.clientWidth + 1 && element.clientWidth > 0)
          problems.push(`${element.tagName.toLowerCase()}${element.id ? '#' + element.id : ''} cuts off its content`);
      }
      return problems;
    });
  } finally {
    await page.setViewportSize(viewport);
  }
}

/**
 * Tabs through the page from the top and returns, for each stop, whether the focused element
 * shows a visible focus indicator (an outline or a box shadow). Lets a test check full keyboard
 * use and visible focus without a mouse.
 */
export async function keyboardStops(
  page: Page,
  maxStops = 80,
): Promise<Array<{ element: string; visibleFocus: boolean }>> {
  // Tab goes on from where focus last was, even after a blur(): start from a focus point put
  // first in the body (not a tab stop itself), so the walk covers the whole page.
  await page.evaluate(() => {
    const { document } = globalThis as unknown as PageWindow;
    const start = document.createElement('span');
    start.id = 'keyboard-walk-start';
    start.tabIndex = -1;
    document.body.prepend(start);
    start.focus();
  });
  const stops: Array<{ element: string; visibleFocus: boolean }> = [];
  for (let i = 0; i < maxStops; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(() => {
      const { document, getComputedStyle } = globalThis as unknown as PageWindow;
      const element = document.activeElement;
      if (!element || element === document.body) return null;
      // Marked on the first visit, so coming back to it means the tab order wrapped around.
      if (element.dataset.keyboardStop) return 'wrapped';
      element.dataset.keyboardStop = 'seen';
      const style = getComputedStyle(element);
      const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
      const shadowed = style.boxShadow !== 'none' && style.boxShadow !== '';
      const name = `${element.tagName.toLowerCase()}${element.id ? '#' + element.id : ''}`;
      return { element: name, visibleFocus: outlined || shadowed };
    });
    if (stop === null || stop === 'wrapped') break;
    stops.push(stop);
  }
  await page.evaluate(() => {
    const { document } = globalThis as unknown as PageWindow;
    document.getElementById('keyboard-walk-start')?.remove();
    for (const element of document.querySelectorAll('[data-keyboard-stop]')) delete element.dataset.keyboardStop;
  });
  return stops;
}

/**
 * Everything the universal-design checks find on the page as it is now, one line each: axe's
 * WCAG 2.1 AA violations, loss at 200 % zoom, and keyboard stops without a visible focus. A test
 * expects none; `state` names the page and state in the lines.
 */
export async function universalDesignProblems(page: Page, state: string): Promise<string[]> {
  const problems = await wcagViolations(page, state);
  for (const loss of await lossAtDoubleZoom(page)) problems.push(`${state}: at 200 % zoom ${loss}`);
  const stops = await keyboardStops(page);
  // Every page has something to do (a link, a button, the language picker): none reached is a fault.
  if (stops.length === 0) problems.push(`${state}: Tab reaches nothing on the page`);
  for (const stop of stops)
    if (!stop.visibleFocus) problems.push(`${state}: ${stop.element} shows no focus when tabbed to`);
  return problems;
}

/**
 * universalDesignProblems in Norwegian and then in English, chosen in the page's language picker
 * (`#language`, as every page has); the page is left in Norwegian.
 */
export async function universalDesignProblemsInBothLanguages(page: Page, state: string): Promise<string[]> {
  const problems: string[] = [];
  for (const language of ['nb', 'en']) {
    await useLanguage(page, language);
    problems.push(...(await universalDesignProblems(page, `${state} (${language})`)));
  }
  await useLanguage(page, 'nb');
  return problems;
}

async function useLanguage(page: Page, language: string): Promise<void> {
  if ((await page.getAttribute('html', 'lang')) === language) return;
  await page.selectOption('#language', language);
  await page.locator(`html[lang="${language}"]`).waitFor({ state: 'attached', timeout: 30_000 });
}
