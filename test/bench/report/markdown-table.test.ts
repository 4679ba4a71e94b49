import { describe, expect, it } from 'vitest';

import { formatCount, formatShare, renderMarkdownTable } from '../../../bench/report/markdown-table.js';

describe('renderMarkdownTable', () => {
  it('renders aligned GitHub tables and escapes pipes and newlines in cells', () => {
    const table = renderMarkdownTable(
      [{ title: 'engine' }, { title: 'passing', align: 'right' }, { title: 'note', align: 'center' }],
      [
        ['xgrammar', '1,260', 'a|b'],
        ['formwork', '2,000', 'two\nlines'],
      ],
    );
    expect(table).toBe(
      '| engine | passing | note |\n' + '|---|---:|:---:|\n' + '| xgrammar | 1,260 | a\\|b |\n' + '| formwork | 2,000 | two lines |\n',
    );
  });

  it('refuses rows with the wrong number of cells', () => {
    expect(() => renderMarkdownTable([{ title: 'a' }], [['1', '2']])).toThrow(/row 0 has 2 cells for 1 columns/);
  });

  it('formats counts and shares for tables', () => {
    expect(formatCount(8909)).toBe('8,909');
    expect(formatShare(0.7882)).toBe('78.8%');
    expect(formatShare(Number.NaN)).toBe('-');
  });
});
