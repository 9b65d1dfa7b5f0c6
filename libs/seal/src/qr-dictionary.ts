/**
 * The preset deflate dictionary of QR payload format `OO1` (RFC 1951 with a preset dictionary, as zlib's
 * `dictionary` option takes it). Deflate finds repeats inside the dictionary as if it preceded the data, so text
 * that licences share (the header, field names, licence and department names, districts, common business
 * vocabulary) costs a few bits instead of three bytes per Chinese character. It roughly halves a food business
 * licence.
 *
 * FROZEN: a reader must use byte for byte the dictionary the writer used. Changing one character means a new
 * format: a new prefix (`OO2:`) and a new dictionary, with `OO1` still read. Later entries are cheaper to reference
 * (shorter distances), so the most frequent text comes last.
 */
const ENTRIES: readonly string[] = [
  // licence types (证照类型) and issuing departments
  '营业执照食品经营许可证食品生产许可证酒类商品零售许可证公共场所卫生许可证出版物经营许可证药品经营许可证',
  '电影放映经营许可证互联网上网服务营业场所经营许可证娱乐经营许可证特种行业许可证行业综合许可证',
  '上海市文化和旅游局卫生健康委员会公安分局民政局人力资源和社会保障局规划和自然资源局应急管理局',
  '建设和管理委员会残疾人联合会司法局行政服务中心人民政府',
  // Shanghai's districts
  '黄浦区徐汇区长宁区静安区普陀区虹口区杨浦区闵行区宝山区嘉定区浦东新区金山区松江区青浦区奉贤区崇明区',
  // face fields (照面信息) and their usual values
  '名称类型住所经营场所经营范围营业期限成立日期注册资本人民币万元登记机关',
  '许可范围许可项目发证机关签发人有效期至投诉举报电话12315',
  '主体业态经营项目日常监督管理机构日常监督管理人员法定代表人（负责人）经营者名称',
  '食品销售经营者餐饮服务经营者单位食堂（中型餐馆）（小型餐馆）（大型餐馆）',
  '预包装食品（含冷藏冷冻食品）销售散装食品热食类食品制售冷食类食品制售生食类食品制售糕点类食品（含裱花蛋糕）制售自制饮品制售',
  '有限责任公司（自然人投资或控股）股份有限公司个体工商户',
  '市场监督管理局上海市路号弄室幢层',
  // payload keys: national metadata fields, in the spellings a payload is likely to use
  '"licenceName":"","name":"","typeName":"","typeCode":"11100000000013338W0","licenceNumber":"","number":"',
  '","licenceId":"","identifier":"","id":"1.2.156.3005.2.11100000000013338W0',
  '","issuer":"","issuerName":"","issuerCode":"11310","issueDate":"20","issuedOn":"20',
  '","validFrom":"20","validUntil":"20","validTo":"20","holder":"","holderName":"","holderCode":"91310',
  '","holderCodeType":"001","division":"3101","version":"001","status":"01","face":{","fields":{"',
  // the protected header of the QR variant
  '{"alg":"ES256","typ":"onceonly-licence+jws","kid":"',
];

/** The `OO1` dictionary as UTF-8 bytes. */
export const QR_DICTIONARY_V1: Buffer = Buffer.from(ENTRIES.join(''), 'utf8');
