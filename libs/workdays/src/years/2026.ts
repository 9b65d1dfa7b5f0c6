import type { YearNotice } from '../year-notice.js';

/** 国务院办公厅关于2026年部分节假日安排的通知, 国办发明电〔2025〕7号, issued 2025-11-04. */
export const YEAR_2026: YearNotice = {
  year: 2026,
  notice: {
    title: '国务院办公厅关于2026年部分节假日安排的通知',
    number: '国办发明电〔2025〕7号',
    issued: '2025-11-04',
  },
  holidays: [
    { name: '元旦', from: '2026-01-01', to: '2026-01-03', days: 3 },
    { name: '春节', from: '2026-02-15', to: '2026-02-23', days: 9 },
    { name: '清明节', from: '2026-04-04', to: '2026-04-06', days: 3 },
    { name: '劳动节', from: '2026-05-01', to: '2026-05-05', days: 5 },
    { name: '端午节', from: '2026-06-19', to: '2026-06-21', days: 3 },
    { name: '中秋节', from: '2026-09-25', to: '2026-09-27', days: 3 },
    { name: '国庆节', from: '2026-10-01', to: '2026-10-07', days: 7 },
  ],
  makeUpWorkdays: [
    { date: '2026-01-04', for: '元旦' },
    { date: '2026-02-14', for: '春节' },
    { date: '2026-02-28', for: '春节' },
    { date: '2026-05-09', for: '劳动节' },
    { date: '2026-09-20', for: '国庆节' },
    { date: '2026-10-10', for: '国庆节' },
  ],
};
