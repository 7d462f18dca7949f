using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ScanGate.Api.Auth;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Storage;

/// <summary>Grain state, reminders' provider, findings and the audit log on a real PostgreSQL: a deployment
/// stopped and started again reads everything back unchanged.</summary>
public sealed class DurabilityTests
{
    [Fact]
    public async Task A_restarted_deployment_on_postgres_reads_back_scans_findings_keys_and_audit_unchanged()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        var adminKey = ApiKeys.NewKey();
        string[] onPostgres = ["--ScanGate:Storage:Provider", "postgres", "--ConnectionStrings:Postgres", db.ConnectionString];

        string scanId, tenantKey, before, beforeFindings, beforeAudit, beforeKeys;
        await using (var first = await ApiHost.StartWithKeyAsync(adminKey, null, onPostgres))
        {
            var tenant = await first.CreateTenantAsync("Durable");
            tenantKey = tenant.Keys["developer"];
            using var dev = first.ClientFor(tenantKey);
            scanId = (await ApiHost.PostJsonAsync(dev, "/api/v1/scans", new
            {
                scan_type = "security_headers", target = new Uri(first.BaseAddress, "/healthz").ToString(), pipeline_context = new { run = 7 },
            })).GetProperty("id").GetString()!;
            var deadline = DateTime.UtcNow.AddMinutes(1);
            while ((await dev.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{scanId}")).GetProperty("status").GetString() != "completed")
            {
                Assert.True(DateTime.UtcNow < deadline);
                await Task.Delay(200);
            }
            var findingId = (await dev.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{scanId}/findings")).GetProperty("items")[0].GetProperty("id").GetString();
            using (var patch = await dev.PatchAsync($"/api/v1/findings/{findingId}", JsonContent.Create(new { status = "accepted_risk", note = "kept" })))
                Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
            using var admin = first.ClientFor(tenant.Keys["admin"]);
            before = Normalise(await dev.GetStringAsync($"/api/v1/scans/{scanId}/results"));
            beforeFindings = await dev.GetStringAsync($"/api/v1/scans/{scanId}/findings?limit=500");
            beforeAudit = await admin.GetStringAsync("/api/v1/audit-log?limit=500");
            beforeKeys = Normalise(await admin.GetStringAsync("/api/v1/apikeys"));
        }

        await using var second = await ApiHost.StartWithKeyAsync(adminKey, null, onPostgres);
        using var devAgain = second.ClientFor(tenantKey);
        Assert.Equal(before, Normalise(await devAgain.GetStringAsync($"/api/v1/scans/{scanId}/results")));
        Assert.Equal(beforeFindings, await devAgain.GetStringAsync($"/api/v1/scans/{scanId}/findings?limit=500"));
        Assert.Equal(scanId, (await devAgain.GetFromJsonAsync<JsonElement>("/api/v1/scans")).GetProperty("items")[0].GetProperty("id").GetString());
        var orgs = await second.Http.GetFromJsonAsync<JsonElement>("/api/v1/orgs"); // the bootstrap administrator's key survived too
        Assert.Contains(orgs.GetProperty("items").EnumerateArray(), o => o.GetProperty("name").GetString() == "Durable");
        var tenantAdmin = (await second.Http.GetFromJsonAsync<JsonElement>("/api/v1/orgs")).GetProperty("items").EnumerateArray()
            .Single(o => o.GetProperty("name").GetString() == "Durable").GetProperty("id").GetString();
        var audit = await second.Http.GetStringAsync($"/api/v1/audit-log?limit=500");
        foreach (var entry in JsonDocument.Parse(beforeAudit).RootElement.GetProperty("items").EnumerateArray())
            Assert.Contains(entry.GetProperty("id").GetString()!, audit);
        Assert.Contains(tenantAdmin!, beforeKeys);
        Assert.Equal(beforeKeys, Normalise(await second.Http.GetStringAsync($"/api/v1/apikeys?org_id={tenantAdmin}")));
    }

    /// <summary>Last-used times move with every call; everything else must be identical.</summary>
    private static string Normalise(string json) =>
        System.Text.RegularExpressions.Regex.Replace(json, "\"last_used_at\":(null|\"[^\"]*\")", "\"last_used_at\":_");
}
