// Issue 13: one normalisation for every channel, and numbers right in every
// country. GB uses Ofcom's drama range (REFERENCE.md); every other country
// uses libphonenumber's own example numbers (libphonenumber-js/mobile/examples,
// taken from the ITU/regulator documentation ranges libphonenumber cites) or
// NANP's fictional 555-01xx, so no real subscriber's number appears here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import examples from 'libphonenumber-js/mobile/examples';
import { toE164, toNationalDigits, isImei, normalizeSubscriber, NumberError, type NumberFormat, type NumberRefusal } from '../../src/subscriber/normalize.js';
import { HedgeError } from '../../src/shared/errors.js';

const refusal = (input: string, country: string, format?: NumberFormat): NumberRefusal | undefined => {
  try {
    toE164(input, country, format);
    return undefined;
  } catch (err) {
    assert.ok(err instanceof NumberError, String(err));
    assert.equal(err.code, 'HEDGE_ERR_NUMBER_INVALID');
    const digits = input.replace(/\D/g, '');
    if (digits.length >= 4) assert.ok(!err.message.includes(digits), 'the message never shows the number');
    return err.reason;
  }
};

// Every common way of writing one mobile number, per country.
const MATRIX: Record<string, { e164: string; forms: string[] }> = {
  DE: {
    e164: '+4915123456789',
    forms: [
      '+4915123456789',
      '+49 151 23456789',
      '004915123456789',
      '0049 151 2345 6789',
      '4915123456789',
      '015123456789',
      '0151 23456789',
      '0151-234-567-89',
      '15123456789',
      '(0151) 23456789',
      'tel:+49-151-23456789',
    ],
  },
  GB: { e164: '+447700900123', forms: ['+447700900123', '+44 7700 900123', '00447700900123', '447700900123', '07700 900123', '07700-900-123', '(07700) 900123', '7700900123'] },
  IN: { e164: '+918123456789', forms: ['+918123456789', '+91 81234 56789', '00918123456789', '918123456789', '08123456789', '8123456789', '081234-56789'] },
  US: {
    e164: '+12015550123',
    forms: ['+12015550123', '+1 201-555-0123', '0012015550123', '011 1 201 555 0123', '12015550123', '1 (201) 555-0123', '(201) 555-0123', '201.555.0123', '2015550123'],
  },
  FR: { e164: '+33612345678', forms: ['+33612345678', '+33 6 12 34 56 78', '0033612345678', '33612345678', '06 12 34 56 78', '06.12.34.56.78', '0612345678', '612345678'] },
  BR: { e164: '+5511961234567', forms: ['+5511961234567', '+55 11 96123-4567', '005511961234567', '5511961234567', '(11) 96123-4567', '011 96123 4567', '11961234567'] },
  NG: { e164: '+2348021234567', forms: ['+2348021234567', '+234 802 123 4567', '002348021234567', '2348021234567', '0802 123 4567', '08021234567', '8021234567'] },
  JP: {
    e164: '+819012345678',
    forms: ['+819012345678', '+81 90-1234-5678', '00819012345678', '010 81 90 1234 5678', '819012345678', '090-1234-5678', '09012345678', '9012345678'],
  },
};

test('the matrix numbers are libphonenumber example numbers (documentation ranges), GB the Ofcom drama range', () => {
  for (const c of ['DE', 'IN', 'FR', 'BR', 'NG', 'JP'] as const) assert.equal(MATRIX[c]!.e164.replace(/^\+\d+?(?=\d{8,})/, '').slice(-8), (examples[c] as string).slice(-8), c);
  assert.equal(examples.US, '2015550123', 'NANP fictional 555-01xx');
});

for (const [country, { e164, forms }] of Object.entries(MATRIX)) {
  test(`${country}: every common format of a mobile number reads as ${e164}`, () => {
    for (const f of forms) assert.equal(toE164(f, country), e164, `${country} ${JSON.stringify(f)}`);
    for (const f of forms) assert.equal(toE164(f, country, 'national'), e164, `${country} ${JSON.stringify(f)} (numberFormat national: not ambiguous)`);
  });
}

test('issue 13, case 1: DE "4915123456789" (country code, no "+") is +4915123456789, not +494915123456789', () => {
  // Both readings are valid numbers: +49 151… a mobile, +49 4915… a fixed line in Lastrup.
  assert.equal(toE164('4915123456789', 'DE'), '+4915123456789');
  assert.equal(toE164('4915123456789', 'DE', 'e164'), '+4915123456789');
  assert.equal(toE164('4915123456789', 'DE', 'national'), '+4915123456789', 'the national reading is no subscriber number, so it never wins');
});

test('issue 13, case 2: a GB number without "+" on a DE operator is refused, never bound as +49447700900123', () => {
  assert.equal(refusal('447700900123', 'DE'), 'not_mobile');
  assert.equal(toE164('+447700900123', 'DE'), '+447700900123', 'with "+" it is the GB number it says');
});

test('issue 13, case 3: static msisdn "12345" is refused for DE (not +4912345)', () => {
  assert.equal(refusal('12345', 'DE'), 'invalid');
  assert.throws(
    () => normalizeSubscriber({ msisdn: '12345' }, 'DE'),
    (e: unknown) => e instanceof HedgeError && e.code === 'HEDGE_ERR_BINDING_INVALID' && /msisdn: not a valid phone number for DE/.test(e.message),
  );
});

test('issue 13, case 4: "+44 7700 900123x" is refused (trailing junk is not skipped)', () => {
  assert.equal(refusal('+44 7700 900123x', 'GB'), 'not_a_number');
  for (const s of ['+44 7700 900123 ext 5', '+44 7700 900123;x', '447700900123#', '+44+7700900123', '0x447700900123', '', '   ', '+'])
    assert.equal(refusal(s, 'GB'), 'not_a_number', JSON.stringify(s));
});

test('ambiguous digits: two valid readings, the NAS format decides, and a subscriber number beats a fixed line', () => {
  // DE: "491631318754" is +49 163… (mobile) or +49 4916… (fixed line): the mobile reading.
  assert.equal(toE164('491631318754', 'DE'), '+491631318754');
  // IN: a national mobile that starts with 91 is national (+91 91… read as international is too short).
  assert.equal(toE164('9191234567', 'IN'), '+919191234567');
  assert.equal(toE164('919191234567', 'IN'), '+919191234567');
  // BR: area code 55 (Rio Grande do Sul) starts with the country code 55.
  assert.equal(toE164('55991234567', 'BR'), '+5555991234567');
  assert.equal(toE164('5555991234567', 'BR'), '+5555991234567');
  // US: the leading 1 is both the trunk prefix and the country code; one reading.
  assert.equal(toE164('12015550123', 'US'), '+12015550123');
  // numberFormat e164: bare digits are never read as national.
  assert.equal(refusal('015123456789', 'DE', 'e164'), 'not_international');
  assert.equal(refusal('07700900123', 'GB', 'e164'), 'not_international');
  assert.equal(toE164('+4915123456789', 'DE', 'e164'), '+4915123456789');
});

test('valid numbers no mobile subscriber has (fixed line, premium rate) are refused', () => {
  assert.equal(refusal('+49 30 901820', 'DE'), 'not_mobile'); // Berlin fixed line (libphonenumber's DE fixed-line example)
  assert.equal(refusal('0121 234 5678', 'GB'), 'not_mobile'); // libphonenumber's GB fixed-line example
  assert.equal(refusal('+33 1 23 45 67 89', 'FR'), 'not_mobile');
});

test('numbers that are only "possible" (the right length) are refused: isValid, not isPossible', () => {
  assert.equal(refusal('+4912345678', 'DE'), 'invalid');
  assert.equal(refusal('+44 7700 12345', 'GB'), 'invalid');
  assert.equal(refusal('+1 099 555 0123', 'US'), 'invalid');
  assert.equal(refusal('+81 00 1234 5678', 'JP'), 'invalid');
  assert.equal(refusal('1234567', 'NG'), 'invalid');
});

test('an unknown operator country is a clear error', () => {
  assert.throws(() => toE164('+4915123456789', 'XX'), /operator.country "XX"/);
});

test('numbers in common formats normalise to E.164', () => {
  for (const n of ['+447700900123', '447700900123', '07700 900123', '07700-900-123', '00447700900123', '(07700) 900123']) assert.equal(toE164(n, 'GB'), '+447700900123', n);
  assert.equal(toNationalDigits('+447700900123'), '07700900123');
  assert.throws(
    () => toE164('12', 'GB'),
    (e: unknown) => (e as { code?: string }).code === 'HEDGE_ERR_NUMBER_INVALID',
  );
  assert.ok(isImei('490154203237518'));
  assert.ok(!isImei('490154203237519'));
});
