// German catalogue for the subscriber's page.
import type { Messages } from './messages-shape.js';

const ATTRIBUTE: Record<string, string> = {
  msisdn: 'Ihre Telefonnummer',
  imsi: 'die Kennung Ihrer SIM-Karte (IMSI)',
  imei: 'die Gerätekennung Ihres Telefons (IMEI)',
  'client-ip': 'Ihre Internetadresse im Mobilfunknetz',
  'age-verified': 'Ihre Altersprüfung',
  subscriber: 'ob Sie Kunde dieses Netzes sind',
};

function disclosure(attribute: string, form: string): string {
  const what = ATTRIBUTE[attribute] ?? attribute;
  switch (form) {
    case 'raw':
      return what.charAt(0).toUpperCase() + what.slice(1);
    case 'pseudonym':
      return `Ein Pseudonym, das nur dieser Partner verwenden kann, statt ${what}`;
    case 'token':
      return `Ein befristeter Verweis auf ${what}, den nur das Netz auflösen kann`;
    case 'sealed':
      return `${what.charAt(0).toUpperCase() + what.slice(1)}, so verschlüsselt, dass nur dieser Partner sie lesen kann`;
    case 'match':
      return `Eine Ja/Nein-Antwort auf „Ist das ${what}?“`;
    case 'claim':
      return attribute === 'age-verified'
        ? 'Eine Ja/Nein-Antwort zu Ihrem Alter'
        : attribute === 'subscriber'
          ? 'Eine Ja/Nein-Antwort, ob Sie Kunde dieses Netzes sind'
          : `Eine Ja/Nein-Antwort zu ${what}`;
    default:
      return `${what} (${form})`;
  }
}

export const de: Messages = {
  lang: 'de',
  languageName: 'Deutsch',
  title: 'Was Ihr Mobilfunknetz Websites über Sie mitteilt',
  skip: 'Zur Liste der Partner springen',
  intro:
    'Ihr Netz kann manchen Websites sagen, wer Sie sind – oder nur das, was sie wissen müssen. Diese Seite zeigt genau, was wem mitgeteilt wurde, und lässt Sie widersprechen.',
  recognisedAs: (n) => `Diese Verbindung gehört zur Mobilfunknummer ${n}.`,
  hotspotNote: 'Die Nummer ist teilweise verdeckt: Ein Laptop am Hotspot Ihres Telefons teilt dessen Verbindung und sieht diese Seite ebenfalls.',
  unknownTitle: 'Wir können Sie nicht erkennen',
  unknownBody:
    'Diese Verbindung ist keine unserer mobilen Datenverbindungen (zum Beispiel sind Sie im WLAN), deshalb zeigen wir hier keine Einträge. Über diese Verbindung erhalten Websites von uns auch nichts über Sie. Öffnen Sie diese Seite über mobile Daten, um Ihre eigenen Einträge zu sehen.',
  everyoneElseTitle: 'Alle anderen Websites',
  everyoneElse: 'Jede Website, die unten nicht aufgeführt ist, erhält von unserem Netz nichts über Sie: nicht Ihre Nummer, nicht Ihre Identität, keine Angaben zu Ihrem Telefon.',
  partnersTitle: 'Partner, die etwas erhalten dürfen',
  partnersIntro: 'Jeder Partner erhält nur, was sein angegebener Zweck erfordert, und nur wenn Sie ihn besuchen.',
  noPartners: 'Kein Partner darf etwas über Sie erhalten.',
  purpose: 'Wozu',
  legalBasisLabel: 'Rechtsgrundlage',
  legalBasis: {
    consent: 'Ihre Einwilligung – Sie können sie jederzeit widerrufen',
    contract: 'Ihr Vertrag mit uns – Sie können widersprechen',
    'legitimate-interest': 'ein berechtigtes Interesse – Sie können widersprechen',
    'legal-obligation': 'eine rechtliche Pflicht – Sie können widersprechen, und wir sagen Ihnen, ob das Gesetz es weiter verlangt',
  },
  receives: 'Was er erhält',
  disclosure,
  history: 'Was wir ihm bisher mitgeteilt haben',
  never: 'Noch nichts.',
  times: (n, first, last) => (n === 1 ? `Einmal, am ${first}.` : `${n}-mal, vom ${first} bis ${last}.`),
  recordsSince: (date) => `Diese Nummer ist Ihnen seit ${date} zugeteilt; die Einträge beginnen zu diesem Zeitpunkt.`,
  moreRecords: 'Es gibt mehr Einträge, als diese Seite zählt; fragen Sie uns nach dem vollständigen Auszug.',
  withdrawnNotice: (basis) =>
    basis === 'consent' ? 'Sie haben Ihre Einwilligung widerrufen: Dieser Partner erhält nichts über Sie.' : 'Sie haben widersprochen: Dieser Partner erhält nichts über Sie.',
  optedOutByUs:
    'Laut unseren Unterlagen erhält dieser Partner nichts über Sie. Diese Wahl wurde bei uns getroffen, nicht auf dieser Seite: Um sie zu ändern, wenden Sie sich an uns.',
  withdraw: (basis, p) => (basis === 'consent' ? `Einwilligung für ${p} widerrufen` : `Widersprechen: ${p} nichts über mich senden`),
  give: (basis, p) => (basis === 'consent' ? `${p} wieder einwilligen` : `Widerspruch gegen ${p} zurücknehmen`),
  done: (given, p) => (given ? `Gespeichert: ${p} darf das Aufgeführte wieder erhalten.` : `Gespeichert: ${p} erhält ab jetzt nichts über Sie.`),
  failed: 'Ihre Wahl konnte gerade nicht gespeichert werden. Es wurde nichts geändert; bitte versuchen Sie es in einer Minute erneut.',
  recordedNote: 'Jede Wahl, die Sie hier treffen, wird in unserem manipulationssicheren Protokoll festgehalten.',
  languageSwitch: 'Sprache',
  footer: (op) => `${op} – diese Seite speichert nichts über Ihren Besuch.`,
  date: (iso) => new Date(iso).toLocaleString('de-DE', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC',
};
