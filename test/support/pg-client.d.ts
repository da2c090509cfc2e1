// node-postgres ships no types and @types/pg is not installed: the part the tests use.
declare module 'pg' {
  interface QueryConfig {
    text: string;
    name?: string;
    values?: unknown[];
    binary?: boolean;
  }
  interface QueryResult {
    rows: Record<string, any>[];
    rowCount: number | null;
  }
  class Client {
    constructor(config: { host: string; port: number; user: string; password: string; database: string; ssl?: unknown });
    connect(): Promise<void>;
    query(q: QueryConfig | string, values?: unknown[]): Promise<QueryResult>;
    on(event: 'error' | 'notice', cb: (e: any) => void): this;
    end(): Promise<void>;
  }
  const pg: { Client: typeof Client };
  export default pg;
  export { Client };
}
