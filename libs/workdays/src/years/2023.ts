import type { YearNotice } from '../year-notice.js';

/** 国务院办公厅关于2023年部分节假日安排的通知, 国办发明电〔2022〕16号, issued 2022-12-08. */
export const YEAR_2023: YearNotice = {
  year: 2023,
  notice: {
    title: '国务院办公厅关于2023年部分节假日安排的通知',
    number: '国办发明电〔2022〕16号',
    issued: '2022-12-08',
  },
  holidays: [
    { name: '元旦', from: '2022-12-31', to: '2023-01-02', days: 3 },
    { name: '春节', from: '2023-01-21', to: '2023-01-27', days: 7 },
    { name: '清明节', from: '2023-04-05', to: '2023-04-05', days: 1 },
    { name: '劳动节', from: '2023-04-29', to: '2023-05-03', days: 5 },
    { name: '端午节', from: '2023-06-22', to: '2023-06-24', days: 3 },
    { name: '中秋节、国庆节', from: '2023-09-29', to: '2023-10-06', days: 8 },
  ],
  makeUpWorkdays: [
    { date: '2023-01-28', for: '春节' },
    { date: '2023-01-29', for: '春节' },
    { date: '2023-04-23', for: '劳动节' },
    { date: '2023-05-06', for: '劳动节' },
    { date: '2023-06-25', for: '端午节' },
    { date: '2023-10-07', for: '中秋节、国庆节' },
    { date: '2023-10-08', for: '中秋节、国庆节' },
  ],
};
