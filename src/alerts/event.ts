// What one alert says (alerts.ts raises it, webhook.ts delivers it). Fields name
// attributes, headers, partners and policy versions, never identifier values.
export type AlertFields = Record<string, string | number | boolean | readonly string[] | undefined>;

export interface AlertEvent {
  /** Stable kind, used as the metric label and for coalescing: "egress-guard", "canary-failed", … */
  kind: string;
  message: string;
  fields: AlertFields;
  time: string;
}
