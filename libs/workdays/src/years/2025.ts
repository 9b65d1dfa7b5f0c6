import type { YearNotice } from '../year-notice.js';

/**
 * 国务院办公厅关于2025年部分节假日安排的通知, 国办发明电〔2024〕12号, issued 2024-11-12: the first year under the
 * revised 全国年节及纪念日放假办法 (2024), which added 除夕 and 5月2日 as statutory holidays.
 */
export const YEAR_2025: YearNotice = {
  year: 2025,
  notice: {
    title: '国务院办公厅关于2025年部分节假日安排的通知',
    number: '国办发明电〔2024〕12号',
    issued: '2024-11-12',
  },
  holidays: [
    { name: '元旦', from: '2025-01-01', to: '2025-01-01', days: 1 },
    { name: '春节', from: '2025-01-28', to: '2025-02-04', days: 8 },
    { name: '清明节', from: '2025-04-04', to: '2025-04-06', days: 3 },
    { name: '劳动节', from: '2025-05-01', to: '2025-05-05', days: 5 },
    { name: '端午节', from: '2025-05-31', to: '2025-06-02', days: 3 },
    { name: '国庆节、中秋节', from: '2025-10-01', to: '2025-10-08', days: 8 },
  ],
  makeUpWorkdays: [
    { date: '2025-01-26', for: '春节' },
    { date: '2025-02-08', for: '春节' },
    { date: '2025-04-27', for: '劳动节' },
    { date: '2025-09-28', for: '国庆节、中秋节' },
    { date: '2025-10-11', for: '国庆节、中秋节' },
  ],
};
