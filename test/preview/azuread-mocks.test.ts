import type * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { createOfflineMocks, defaultOfflineIdentity, stableUuid } from "../../preview/mocks";

const mocks = createOfflineMocks(defaultOfflineIdentity, "secure-mlops", "prod");
const urn = (type: string, name: string): string => `urn:pulumi:prod::secure-mlops::${type}::${name}`;

async function create(type: string, name: string, inputs: Record<string, unknown>): Promise<{ id: string | undefined; state: Record<string, unknown> }> {
  const r = await mocks.newResource({ type, name, inputs, custom: true } as pulumi.runtime.MockResourceArgs);
  return { id: r.id, state: r.state as Record<string, unknown> };
}

describe("the offline mocks answer like Entra ID and GitHub", () => {
  it("gives an application its object id, client id and /applications/ id", async () => {
    const t = "azuread:index/application:Application";
    const app = await create(t, "app", { displayName: "github-octo-org-ml-deploy" });
    const objectId = stableUuid(`${urn(t, "app")}#object`);
    expect(app.id).toBe(`/applications/${objectId}`);
    expect(app.state).toMatchObject({ objectId, clientId: stableUuid(`${urn(t, "app")}#client`) });
  });
  it("gives a service principal its object id and names", async () => {
    const sp = await create("azuread:index/servicePrincipal:ServicePrincipal", "sp", { clientId: "c0ffee00-0000-4000-8000-000000000000" });
    expect(sp.state).toMatchObject({ applicationTenantId: defaultOfflineIdentity.tenantId, type: "Application", accountEnabled: true, servicePrincipalNames: ["c0ffee00-0000-4000-8000-000000000000"] });
    expect(sp.id).toBe(sp.state["objectId"]);
  });
  it("gives a security group a generated mail nickname", async () => {
    const g = await create("azuread:index/group:Group", "readers", { displayName: "sg-readers", securityEnabled: true });
    expect(g.state).toMatchObject({ securityEnabled: true, mailEnabled: false, mailNickname: expect.stringMatching(/^[0-9a-f]{8}$/) });
  });
  it("hangs federated credentials and passwords under their application", async () => {
    const fic = await create("azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential", "fic", { applicationId: "/applications/abc", subject: "s" });
    expect(fic.id).toMatch(/^\/applications\/abc\/federatedIdentityCredential\/[0-9a-f-]{36}$/);
    const pw = await create("azuread:index/applicationPassword:ApplicationPassword", "pw", { applicationId: "/applications/abc", displayName: "ci" });
    expect(pw.id).toBe(`/applications/abc/password/${String(pw.state["keyId"])}`);
    expect(pw.state["value"]).toMatch(/^offline~/);
  });
  it("ids a GitHub Actions environment variable as the provider does", async () => {
    const v = await create("github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable", "v", { repository: "ml-platform", environment: "prod", variableName: "AZURE_CLIENT_ID", value: "x" });
    expect(v.id).toBe("ml-platform:prod:AZURE_CLIENT_ID");
    expect(v.state).toMatchObject({ createdAt: expect.any(String), updatedAt: expect.any(String) });
  });
  it("answers azuread's getClientConfig with the deploying identity", async () => {
    expect(await mocks.call({ token: "azuread:index/getClientConfig:getClientConfig", inputs: {} } as pulumi.runtime.MockCallArgs)).toEqual({
      clientId: defaultOfflineIdentity.clientId,
      objectId: defaultOfflineIdentity.objectId,
      tenantId: defaultOfflineIdentity.tenantId,
      id: `${defaultOfflineIdentity.clientId}-${defaultOfflineIdentity.objectId}-${defaultOfflineIdentity.tenantId}`,
    });
  });
});
