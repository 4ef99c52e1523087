// Value units by Grafana id (`bytes`, `ms`, `percentunit`, `currencyUSD`, `suffix:req`...): the
// catalog a unit picker shows and `formatValue`, which turns a number into the text a panel
// draws. Ids, names and output follow Grafana's, so an imported dashboard reads the same.

import {
  binaryPrefix, booleanUnit, clock, countUnit, currency, dateTimeUnit, duration, fixedUnit,
  fromNow, gluedUnit, hexUnit, hoursMinutesSeconds, localeDateTime, localeNumber, scaled,
  scientific, siOffset, siPrefix, timeLadder, toFixed,
  type DecimalCount, type FormatContext, type FormattedValue, type ValueFormatter,
} from './unitFormats';

export type { DecimalCount, FormatContext, FormattedValue } from './unitFormats';

interface UnitDef {
  id: string;
  name: string;
  fn: ValueFormatter;
}

interface UnitGroup {
  group: string;
  units: UnitDef[];
}

const u = (id: string, name: string, fn: ValueFormatter): UnitDef => ({ id, name, fn });

const short = scaled(1000, ['', ' K', ' Mil', ' Bil', ' Tri', ' Quadr', ' Quint', ' Sext', ' Sept']);

const seconds = timeLadder(
  [[1e-6, 1e-9, ' ns'], [1e-3, 1e-6, ' µs'], [1, 1e-3, ' ms'], [60, 1, ' s'], [3600, 60, ' min'],
    [86400, 3600, ' hour'], [604800, 86400, ' day'], [31536000, 604800, ' week']],
  [3.15569e7, ' year'],
  ' s',
);
const milliseconds = timeLadder(
  [[1000, 1, ' ms'], [60000, 1000, ' s'], [3600000, 60000, ' min'], [86400000, 3600000, ' hour'],
    [31536000000, 86400000, ' day']],
  [31536000000, ' year'],
);
const microseconds = timeLadder([[1000, 1, ' µs'], [1e6, 1000, ' ms']], [1e6, ' s']);
const nanoseconds = timeLadder(
  [[1000, 1, ' ns'], [1e6, 1000, ' µs'], [1e9, 1e6, ' ms'], [6e10, 1e9, ' s'], [3.6e12, 6e10, ' min'],
    [8.64e13, 3.6e12, ' hour']],
  [8.64e13, ' day'],
);
const minutes = timeLadder(
  [[60, 1, ' min'], [1440, 60, ' hour'], [10080, 1440, ' day'], [604800, 10080, ' week']],
  [5.25948e5, ' year'],
);
const hours = timeLadder([[24, 1, ' hour'], [168, 24, ' day'], [8760, 168, ' week']], [8760, ' year']);
const days = timeLadder([[7, 1, ' day'], [365, 7, ' week']], [365, ' year']);
const timeticks: ValueFormatter = (v, d, ctx) => seconds(v / 100, d, ctx);

const ISO = 'YYYY-MM-DD HH:mm:ss';
const US = 'MM/DD/YYYY h:mm:ss a';

const CATALOG: UnitGroup[] = [
  { group: 'Misc', units: [
    u('none', 'None', fixedUnit('')),
    u('string', 'String', fixedUnit('')),
    u('short', 'Short', short),
    u('sci', 'Scientific notation', scientific),
    u('locale', 'Locale format', localeNumber),
    u('percent', 'Percent (0-100)', gluedUnit('%')),
    u('percentunit', 'Percent (0.0-1.0)', gluedUnit('%', 100)),
    u('humidity', 'Humidity (%H)', fixedUnit('%H')),
    u('dB', 'Decibel', fixedUnit('dB')),
    u('hex', 'Hexadecimal', hexUnit('')),
    u('hex0x', 'Hexadecimal (0x)', hexUnit('0x')),
    u('pixel', 'Pixels', fixedUnit('px')),
  ] },
  { group: 'Acceleration', units: [
    u('accMS2', 'Meters/sec²', fixedUnit('m/sec²')),
    u('accFS2', 'Feet/sec²', fixedUnit('f/sec²')),
    u('accG', 'G unit', fixedUnit('g')),
  ] },
  { group: 'Angle', units: [
    u('degree', 'Degrees (°)', fixedUnit('°')),
    u('radian', 'Radians', fixedUnit('rad')),
    u('grad', 'Gradian', fixedUnit('grad')),
  ] },
  { group: 'Boolean', units: [
    u('bool', 'True / False', booleanUnit('True', 'False')),
    u('bool_yes_no', 'Yes / No', booleanUnit('Yes', 'No')),
    u('bool_on_off', 'On / Off', booleanUnit('On', 'Off')),
  ] },
  { group: 'Computation', units: [
    u('flops', 'FLOP/s', siPrefix('FLOPS')),
    u('mflops', 'MFLOP/s', siPrefix('FLOPS', 2)),
    u('gflops', 'GFLOP/s', siPrefix('FLOPS', 3)),
    u('tflops', 'TFLOP/s', siPrefix('FLOPS', 4)),
  ] },
  { group: 'Currency', units: [
    u('currencyUSD', 'Dollars ($)', currency('$')),
    u('currencyGBP', 'Pounds (£)', currency('£')),
    u('currencyEUR', 'Euro (€)', currency('€')),
    u('currencyJPY', 'Yen (¥)', currency('¥')),
    u('currencyRUB', 'Rubles (₽)', currency('₽')),
    u('currencyINR', 'Indian Rupee (₹)', currency('₹')),
    u('currencyKRW', 'South Korean Won (₩)', currency('₩')),
    u('currencyBRL', 'Real (R$)', currency('R$')),
    u('currencyCHF', 'Swiss franc (CHF)', currency('CHF')),
    u('currencySEK', 'Swedish Krona (kr)', currency('kr', true)),
    u('currencyNOK', 'Norwegian Krone (kr)', currency('kr', true)),
    u('currencyDKK', 'Danish Krone (kr)', currency('kr', true)),
    u('currencyBTC', 'Bitcoin (฿)', currency('฿')),
  ] },
  { group: 'Data', units: [
    u('bytes', 'bytes(IEC)', binaryPrefix('B')),
    u('decbytes', 'bytes(SI)', siPrefix('B')),
    u('bits', 'bits(IEC)', binaryPrefix('b')),
    u('decbits', 'bits(SI)', siPrefix('b')),
    u('kbytes', 'kibibytes', binaryPrefix('B', 1)),
    u('deckbytes', 'kilobytes', siPrefix('B', 1)),
    u('mbytes', 'mebibytes', binaryPrefix('B', 2)),
    u('decmbytes', 'megabytes', siPrefix('B', 2)),
    u('gbytes', 'gibibytes', binaryPrefix('B', 3)),
    u('decgbytes', 'gigabytes', siPrefix('B', 3)),
    u('tbytes', 'tebibytes', binaryPrefix('B', 4)),
    u('dectbytes', 'terabytes', siPrefix('B', 4)),
    u('pbytes', 'pebibytes', binaryPrefix('B', 5)),
    u('decpbytes', 'petabytes', siPrefix('B', 5)),
  ] },
  { group: 'Data rate', units: [
    u('pps', 'packets/sec', siPrefix('p/s')),
    u('binBps', 'bytes/sec(IEC)', binaryPrefix('B/s')),
    u('Bps', 'bytes/sec(SI)', siPrefix('B/s')),
    u('binbps', 'bits/sec(IEC)', binaryPrefix('b/s')),
    u('bps', 'bits/sec(SI)', siPrefix('b/s')),
    u('KiBs', 'kibibytes/sec', binaryPrefix('B/s', 1)),
    u('Kibits', 'kibibits/sec', binaryPrefix('b/s', 1)),
    u('KBs', 'kilobytes/sec', siPrefix('B/s', 1)),
    u('Kbits', 'kilobits/sec', siPrefix('b/s', 1)),
    u('MiBs', 'mebibytes/sec', binaryPrefix('B/s', 2)),
    u('Mibits', 'mebibits/sec', binaryPrefix('b/s', 2)),
    u('MBs', 'megabytes/sec', siPrefix('B/s', 2)),
    u('Mbits', 'megabits/sec', siPrefix('b/s', 2)),
    u('GiBs', 'gibibytes/sec', binaryPrefix('B/s', 3)),
    u('Gibits', 'gibibits/sec', binaryPrefix('b/s', 3)),
    u('GBs', 'gigabytes/sec', siPrefix('B/s', 3)),
    u('Gbits', 'gigabits/sec', siPrefix('b/s', 3)),
  ] },
  { group: 'Date & time', units: [
    u('dateTimeAsIso', 'Datetime ISO', dateTimeUnit(ISO)),
    u('dateTimeAsIsoNoDateIfToday', 'Datetime ISO (No date if today)', dateTimeUnit(ISO, 'HH:mm:ss')),
    u('dateTimeAsUS', 'Datetime US', dateTimeUnit(US)),
    u('dateTimeAsUSNoDateIfToday', 'Datetime US (No date if today)', dateTimeUnit(US, 'h:mm:ss a')),
    u('dateTimeAsLocal', 'Datetime local', localeDateTime),
    u('dateTimeAsSystem', 'Datetime default', dateTimeUnit(ISO)),
    u('dateTimeFromNow', 'From Now', fromNow),
  ] },
  { group: 'Energy', units: [
    u('watt', 'Watt (W)', siPrefix('W')),
    u('kwatt', 'Kilowatt (kW)', siPrefix('W', 1)),
    u('megwatt', 'Megawatt (MW)', siPrefix('W', 2)),
    u('mwatt', 'Milliwatt (mW)', siPrefix('W', -1)),
    u('voltamp', 'Volt-Ampere (VA)', siPrefix('VA')),
    u('watth', 'Watt-hour (Wh)', siPrefix('Wh')),
    u('kwatth', 'Kilowatt-hour (kWh)', siPrefix('Wh', 1)),
    u('joule', 'Joule (J)', siPrefix('J')),
    u('amp', 'Ampere (A)', siPrefix('A')),
    u('mamp', 'Milliampere (mA)', siPrefix('A', -1)),
    u('volt', 'Volt (V)', siPrefix('V')),
    u('mvolt', 'Millivolt (mV)', siPrefix('V', -1)),
    u('kvolt', 'Kilovolt (kV)', siPrefix('V', 1)),
    u('dBm', 'Decibel-milliwatt (dBm)', siPrefix('dBm')),
    u('ohm', 'Ohm (Ω)', siPrefix('Ω')),
  ] },
  { group: 'Length', units: [
    u('lengthmm', 'millimeter (mm)', siPrefix('m', -1)),
    u('lengthm', 'meter (m)', siPrefix('m')),
    u('lengthkm', 'kilometer (km)', siPrefix('m', 1)),
    u('lengthin', 'inch (in)', fixedUnit('in')),
    u('lengthft', 'feet (ft)', fixedUnit('ft')),
    u('lengthmi', 'mile (mi)', fixedUnit('mi')),
  ] },
  { group: 'Mass', units: [
    u('massmg', 'milligram (mg)', siPrefix('g', -1)),
    u('massg', 'gram (g)', siPrefix('g')),
    u('masskg', 'kilogram (kg)', siPrefix('g', 1)),
    u('masslb', 'pound (lb)', fixedUnit('lb')),
    u('masst', 'metric ton (t)', fixedUnit('t')),
  ] },
  { group: 'Pressure', units: [
    u('pressurembar', 'Millibars', siPrefix('bar', -1)),
    u('pressurebar', 'Bars', siPrefix('bar')),
    u('pressurehpa', 'Hectopascals', fixedUnit('hPa')),
    u('pressurekpa', 'Kilopascals', fixedUnit('kPa')),
    u('pressurepsi', 'PSI', scaled(1000, [' psi', ' ksi', ' Mpsi'])),
  ] },
  { group: 'Temperature', units: [
    u('celsius', 'Celsius (°C)', fixedUnit('°C')),
    u('fahrenheit', 'Fahrenheit (°F)', fixedUnit('°F')),
    u('kelvin', 'Kelvin (K)', fixedUnit('K')),
  ] },
  { group: 'Time', units: [
    u('hertz', 'Hertz (1/s)', siPrefix('Hz')),
    u('ns', 'nanoseconds (ns)', nanoseconds),
    u('µs', 'microseconds (µs)', microseconds),
    u('ms', 'milliseconds (ms)', milliseconds),
    u('s', 'seconds (s)', seconds),
    u('m', 'minutes (m)', minutes),
    u('h', 'hours (h)', hours),
    u('d', 'days (d)', days),
    u('dtdurationms', 'duration (ms)', duration(1, 'millisecond')),
    u('dtdurations', 'duration (s)', duration(1000, 'second')),
    u('dthms', 'duration (hh:mm:ss)', hoursMinutesSeconds(false)),
    u('dtdhms', 'duration (d hh:mm:ss)', hoursMinutesSeconds(true)),
    u('timeticks', 'Timeticks (s/100)', timeticks),
    u('clockms', 'clock (ms)', clock(1)),
    u('clocks', 'clock (s)', clock(1000)),
  ] },
  { group: 'Throughput', units: [
    u('cps', 'counts/sec (cps)', countUnit('c/s')),
    u('ops', 'ops/sec (ops)', countUnit('ops/s')),
    u('reqps', 'requests/sec (rps)', countUnit('req/s')),
    u('rps', 'reads/sec (rps)', countUnit('rd/s')),
    u('wps', 'writes/sec (wps)', countUnit('wr/s')),
    u('iops', 'I/O ops/sec (iops)', countUnit('io/s')),
    u('eps', 'events/sec (eps)', countUnit('evt/s')),
    u('cpm', 'counts/min (cpm)', countUnit('c/m')),
    u('opm', 'ops/min (opm)', countUnit('ops/m')),
    u('reqpm', 'requests/min (rpm)', countUnit('req/m')),
    u('rpm', 'reads/min (rpm)', countUnit('rd/m')),
    u('wpm', 'writes/min (wpm)', countUnit('wr/m')),
  ] },
  { group: 'Velocity', units: [
    u('velocityms', 'meters/second (m/s)', fixedUnit('m/s')),
    u('velocitykmh', 'kilometers/hour (km/h)', fixedUnit('km/h')),
    u('velocitymph', 'miles/hour (mph)', fixedUnit('mph')),
    u('velocityknot', 'knot (kn)', fixedUnit('kn')),
  ] },
  { group: 'Volume', units: [
    u('mlitre', 'millilitre (mL)', siPrefix('L', -1)),
    u('litre', 'litre (L)', siPrefix('L')),
    u('m3', 'cubic meter', fixedUnit('m³')),
    u('gallons', 'gallons', fixedUnit('gal')),
  ] },
];

/** Ids Grafana accepts for the same unit. */
const ALIASES: Record<string, string> = { us: 'µs', 'μs': 'µs' };

const BY_ID = new Map<string, ValueFormatter>(
  CATALOG.flatMap((g) => g.units.map((unit): [string, ValueFormatter] => [unit.id, unit.fn])),
);

/** Grafana's custom units, `kind:argument`. */
function customUnit(id: string): ValueFormatter | undefined {
  const colon = id.indexOf(':');
  if (colon <= 0) return undefined;
  const kind = id.slice(0, colon);
  const arg = id.slice(colon + 1);
  switch (kind) {
    case 'prefix': return fixedUnit(arg, true);
    case 'suffix': return fixedUnit(arg);
    case 'si': return siUnit(arg);
    case 'count': return countUnit(arg);
    case 'currency': return currency(arg);
    case 'time': return dateTimeUnit(arg);
    case 'bool': return customBool(arg);
    default: return undefined;
  }
}

/** `si:mA` is amperes with the raw number in milliamperes; `si:Hz` has no prefix. */
function siUnit(arg: string): ValueFormatter {
  const offset = arg.length > 1 ? siOffset(arg.charAt(0)) : 0;
  return siPrefix(offset === 0 ? arg : arg.slice(1), offset);
}

/** `bool:Up/Down`; without a slash the false word is `-`. */
function customBool(arg: string): ValueFormatter {
  const slash = arg.indexOf('/');
  return slash === -1 ? booleanUnit(arg, '-') : booleanUnit(arg.slice(0, slash), arg.slice(slash + 1));
}

/** The formatter of a unit id; an unknown id becomes a suffix after a space, as in Grafana. */
export function unitFormatter(unit?: string): ValueFormatter {
  if (!unit) return BY_ID.get('none') as ValueFormatter;
  const id = Object.hasOwn(ALIASES, unit) ? ALIASES[unit] : unit;
  return BY_ID.get(id) ?? customUnit(unit) ?? fixedUnit(unit);
}

/**
 * Formats `value` in `unit` with `decimals` (automatic when null). null/undefined give empty text
 * (the caller shows the field's noValue); NaN gives `NaN`; infinities `∞`/`-∞`.
 */
export function formatValue(
  value: number | null | undefined,
  unit?: string,
  decimals?: number | null,
  ctx: FormatContext = {},
): FormattedValue {
  if (value === null || value === undefined) return { text: '' };
  if (!Number.isFinite(value)) return { text: toFixed(value) };
  return unitFormatter(unit)(value, decimals, ctx);
}

/** prefix + text + suffix. */
export function formattedToString(v: FormattedValue): string {
  return `${v.prefix ?? ''}${v.text}${v.suffix ?? ''}`;
}

/** The unit picker's groups, in Grafana's order. */
export function unitOptions(): { group: string; units: { id: string; name: string }[] }[] {
  return CATALOG.map((g) => ({ group: g.group, units: g.units.map(({ id, name }) => ({ id, name })) }));
}

/** Shorthand: `formattedToString(formatValue(...))`. */
export function formatValueText(value: number | null | undefined, unit?: string, decimals?: DecimalCount): string {
  return formattedToString(formatValue(value, unit, decimals));
}
