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

/// <summary>Two silos of one cluster, membership on PostgreSQL: what one starts the other serves.</summary>
public sealed class ClusterMembershipTests
{
    [Fact]
    public async Task Two_silos_sharing_postgres_form_one_cluster()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        var adminKey = ApiKeys.NewKey();
        var clusterId = "pg-" + Guid.NewGuid().ToString("N")[..8];
        string[] Args() =>
        [
            "--ScanGate:Storage:Provider", "postgres", "--ConnectionStrings:Postgres", db.ConnectionString,
            "--ScanGate:Orleans:Clustering", "postgres", "--ScanGate:Orleans:ClusterId", clusterId,
        ];
        await using var a = await ApiHost.StartWithKeyAsync(adminKey, null, Args());
        await using var b = await ApiHost.StartWithKeyAsync(adminKey, null, Args());

        await using (var cmd = db.DataSource.CreateCommand($"SELECT count(*) FROM orleans_membership WHERE deploymentid = '{clusterId}' AND status = 3"))
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while ((long)(await cmd.ExecuteScalarAsync())! < 2 && DateTime.UtcNow < deadline) await Task.Delay(250);
            Assert.Equal(2L, await cmd.ExecuteScalarAsync());
        }

        // Right after a silo joins, a call may meet the cluster still settling: that is a 503 with
        // Retry-After, which a CI client retries, as this test does.
        string? id = null;
        for (var attempt = 0; id is null; attempt++)
        {
            using var response = await a.Http.PostAsync("/api/v1/scans", JsonContent.Create(new { scan_type = "security_headers", target = new Uri(a.BaseAddress, "/healthz").ToString() }));
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < 10)
            {
                Assert.NotNull(response.Headers.RetryAfter);
                await Task.Delay(TimeSpan.FromSeconds(1));
                continue;
            }
            Assert.True(response.StatusCode == HttpStatusCode.Accepted,
                $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}\n{string.Join("\n", a.Logs.Lines.Where(l => l.Contains("unhandled exception")).Take(1))}");
            id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        }
        var until = DateTime.UtcNow.AddMinutes(1);
        JsonElement seenFromB;
        do
        {
            await Task.Delay(200);
            seenFromB = await b.Http.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{id}");
        } while (seenFromB.GetProperty("status").GetString() != "completed" && DateTime.UtcNow < until);
        Assert.Equal("completed", seenFromB.GetProperty("status").GetString());
        Assert.True((await b.Http.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{id}/results")).GetProperty("findings_count").GetInt32() > 0);
    }
}

/// <summary>An API node that is only an Orleans client in front of a silo, both on PostgreSQL.</summary>
public sealed class ApiNodeTests
{
    [Fact]
    public async Task An_api_node_reaches_the_silos_as_a_client_for_rest_and_events()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        var adminKey = ApiKeys.NewKey();
        var clusterId = "api-" + Guid.NewGuid().ToString("N")[..8];
        string[] common = ["--ConnectionStrings:Postgres", db.ConnectionString, "--ScanGate:Orleans:ClusterId", clusterId];
        await using var silo = await ApiHost.StartWithKeyAsync(adminKey, null,
            [.. common, "--ScanGate:Storage:Provider", "postgres", "--ScanGate:Orleans:Clustering", "postgres"]);
        await using var api = await ApiHost.StartWithKeyAsync(adminKey, null, [.. common, "--ScanGate:Orleans:Role", "api"]);

        var target = new Uri(silo.BaseAddress, "/healthz").ToString();
        using var created = await api.Http.PostAsync("/api/v1/scans", JsonContent.Create(new { scan_type = "security_headers", target }));
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        using var events = await api.Http.GetAsync($"/api/v1/scans/{id}/events", HttpCompletionOption.ResponseHeadersRead);
        var messages = new List<SseMessage>();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await foreach (var m in SseReader.ReadAsync(await events.Content.ReadAsStreamAsync(cts.Token), cts.Token)) messages.Add(m);
        Assert.Equal("snapshot", messages[0].Event);
        Assert.Equal("finished", messages[^1].Event);
        Assert.Equal("completed", (await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{id}")).GetProperty("status").GetString());
        Assert.Equal("completed", (await silo.Http.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{id}")).GetProperty("status").GetString());
    }
}

/// <summary>PostgreSQL restarted while scans run: calls may answer 503 for a moment, no scan is lost.</summary>
public sealed class DatabaseRestartTests
{
    [Fact]
    public async Task Restarting_postgres_during_scans_loses_no_scan()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        await using var tls = await WeakTlsServer.StartAsync();
        await using var host = await ApiHost.StartAsync("--ScanGate:Storage:Provider", "postgres", "--ConnectionStrings:Postgres", db.ConnectionString);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
            ids.Add((await ApiHost.PostJsonAsync(host.Http, "/api/v1/scans", new { scan_type = "ssl_security", target = $"127.0.0.1:{tls.Port}", scan_profile = "quick" }))
                .GetProperty("id").GetString()!);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var phases = new List<string?>();
            foreach (var id in ids)
                phases.Add((await host.Http.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{id}")).GetProperty("scanners")[0].GetProperty("phase").GetString());
            if (phases.All(p => p is "running" or "parsing" or "done")) break;
            Assert.True(DateTime.UtcNow < deadline, string.Join(",", phases));
            await Task.Delay(200);
        }

        var (version, cluster) = await LocalCluster();
        var restart = Proc.RunAsync("pg_ctlcluster", version, cluster, "restart");
        var statuses = new List<HttpStatusCode>();
        while (!restart.IsCompleted)
        {
            foreach (var id in ids)
            {
                using var r = await host.Http.GetAsync($"/api/v1/scans/{id}/results");
                statuses.Add(r.StatusCode);
            }
            await Task.Delay(100);
        }
        var (code, _, error) = await restart;
        Assert.True(code == 0, error);
        Assert.DoesNotContain(HttpStatusCode.InternalServerError, statuses);

        foreach (var id in ids)
        {
            JsonElement scan;
            var until = DateTime.UtcNow.AddMinutes(4);
            do
            {
                await Task.Delay(500);
                using var r = await host.Http.GetAsync($"/api/v1/scans/{id}");
                Assert.NotEqual(HttpStatusCode.InternalServerError, r.StatusCode);
                scan = r.IsSuccessStatusCode ? await r.Content.ReadFromJsonAsync<JsonElement>() : default;
            } while ((scan.ValueKind != JsonValueKind.Object || scan.GetProperty("status").GetString() is "queued" or "running") && DateTime.UtcNow < until);
            Assert.Equal("completed", scan.GetProperty("status").GetString());
            var findings = await host.Http.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{id}/findings?limit=500");
            Assert.Contains(findings.GetProperty("items").EnumerateArray(), f => f.GetProperty("rule_id").GetString() == "cert_chain_of_trust");
        }
        db.DataSource.Clear(); // the test's own pooled connections died with the restart
        await using var count = db.DataSource.CreateCommand("SELECT count(DISTINCT scan_id) FROM findings WHERE scan_id = ANY(@ids)");
        count.Parameters.AddWithValue("ids", ids.ToArray());
        Assert.Equal(3L, await count.ExecuteScalarAsync());
    }

    /// <summary>The local PostgreSQL cluster the tests use (Debian's pg_lsclusters).</summary>
    private static async Task<(string Version, string Cluster)> LocalCluster()
    {
        var listing = await Proc.RunCheckedAsync("pg_lsclusters", "-h");
        var fields = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (fields[0], fields[1]);
    }
}
