// The npm `radius` package ships the RFC dictionaries but no 3GPP one; hedge
// ships dictionaries/dictionary.3gpp (vendor 10415, TS 29.061) and loads it
// here, once, before the first encode or decode.
import radius from 'radius';
import { fileURLToPath } from 'node:url';

/** Same relative path from src/identity/radius (tsx) and dist/identity/radius (build). */
export const DICTIONARY_3GPP = fileURLToPath(new URL('../../../dictionaries/dictionary.3gpp', import.meta.url));
export const VENDOR_3GPP = 10415;

let added = false;

export function radiusWith3gpp(): typeof radius {
  if (!added) {
    radius.add_dictionary(DICTIONARY_3GPP);
    // The package loads its dictionary list lazily, once: force a reload so ours is included
    // even if something decoded a packet before this call.
    radius.unload_dictionaries();
    added = true;
  }
  return radius;
}
