/**
 * The slice of oidc-provider 8 that test/support/oidc-idp.ts uses (the package ships no
 * types and @types/oidc-provider is not a dependency).
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  type Ctx = unknown;
  interface Client { clientId: string; grantTypeAllowed(type: string): boolean }
  interface Grant { addOIDCScope(scope: string): void; addResourceScope(resource: string, scope: string): void; save(): Promise<string> }
  interface DeviceCode {
    clientId: string; accountId?: string; grantId?: string; authTime?: number; scope?: string; resource?: string;
    params: Record<string, unknown>; save(): Promise<string>;
  }
  interface AccessToken { save(): Promise<string> }
  interface JwtStructure { header?: Record<string, unknown>; payload: Record<string, unknown> }
  interface ProviderConfiguration {
    adapter?: unknown;
    jwks?: { keys: unknown[] };
    cookies?: { keys: string[] };
    clients?: Record<string, unknown>[];
    scopes?: string[];
    claims?: Record<string, string[]>;
    findAccount?: (ctx: Ctx, id: string) => Promise<{ accountId: string; claims: () => Promise<Record<string, unknown>> } | undefined>;
    extraTokenClaims?: (ctx: Ctx, token: unknown) => Promise<Record<string, unknown> | undefined>;
    formats?: { customizers?: { jwt?: (ctx: Ctx, token: unknown, jwt: JwtStructure) => Promise<void> } };
    issueRefreshToken?: (ctx: Ctx, client: Client, code: unknown) => Promise<boolean>;
    pkce?: { required?: () => boolean };
    ttl?: Record<string, number>;
    interactions?: { url: (ctx: Ctx, interaction: { uid: string }) => string };
    features?: Record<string, unknown>;
  }

  class Provider {
    constructor(issuer: string, configuration: ProviderConfiguration);
    static errors: { InvalidTarget: new (description?: string) => Error };
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<{ uid: string; params: Record<string, unknown>; prompt: { name: string; details: Record<string, unknown> } }>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, opts?: { mergeWithLastSubmission?: boolean }): Promise<void>;
    Grant: new (init: { accountId: string; clientId: string }) => Grant;
    Client: { find(id: string): Promise<Client | undefined> };
    DeviceCode: { findByUserCode(code: string): Promise<DeviceCode | undefined> };
    AccessToken: new (init: Record<string, unknown>) => AccessToken;
    ResourceServer: new (identifier: string, info: Record<string, unknown>) => unknown;
  }
  export default Provider;
}
