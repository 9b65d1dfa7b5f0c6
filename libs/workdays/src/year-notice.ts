/**
 * One year's arrangement of public holidays, as the State Council's General Office publishes it each year in its
 * notice 国务院办公厅关于<year>年部分节假日安排的通知 (under 全国年节及纪念日放假办法). Weekends are rest days and
 * Monday–Friday working days unless the notice says otherwise: a holiday period (放假调休) makes every day in it a rest
 * day; a make-up working day (调休上班), always a Saturday or a Sunday, is a working day.
 */
export interface YearNotice {
  readonly year: number;
  /** Where the data comes from: the notice's title, its document number and the day it was issued. */
  readonly notice: { readonly title: string; readonly number: string; readonly issued: string };
  /**
   * Each holiday period, first and last day inclusive, with the number of days the notice states (共 N 天), which
   * the library checks against the dates (a typo in either is caught). A period may begin in the previous year
   * (元旦 2023 began on 2022-12-31).
   */
  readonly holidays: readonly {
    readonly name: string;
    readonly from: string;
    readonly to: string;
    readonly days: number;
  }[];
  /** The weekend days the notice makes working days, each with the holiday it makes up for. */
  readonly makeUpWorkdays: readonly { readonly date: string; readonly for: string }[];
}
