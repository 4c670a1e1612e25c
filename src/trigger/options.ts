/** The raw options of `stamp7 trigger`, as commander parses them. */
export interface TriggerCommandOptions {
  url?: string;
  secret?: string[];
  header?: string[];
  set?: string[];
  unset?: string[];
  addMissing?: boolean;
  data?: string;
  timeout: string;
  count: string;
  concurrency: string;
  expect?: string;
  maxLatency?: string;
  verbose?: boolean;
  list?: boolean;
  printSecret?: boolean;
  /** Without --url: poll the created event's deliveries and print each outcome. */
  wait?: boolean;
  profile?: string;
  apiBase?: string;
}
