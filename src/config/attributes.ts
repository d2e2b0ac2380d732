// What a policy can disclose (attributes) and how (forms): the words the
// config, the policy compiler and the front door's scope table share.
export type Attribute = 'msisdn' | 'imsi' | 'imei' | 'client-ip' | 'age-verified' | 'subscriber';
/** `match` is produced only by the front door: a yes/no about a number the partner already holds. */
export type Form = 'raw' | 'pseudonym' | 'token' | 'sealed' | 'claim' | 'match';
