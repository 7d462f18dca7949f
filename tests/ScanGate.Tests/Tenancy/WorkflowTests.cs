using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Tenancy;

/// <summary>Quotas, fair queueing, projects, scan lists, triage carry-over and the audit log, over real HTTP.</summary>
public sealed class WorkflowTests : IAsyncLifetime
{
    private ApiHost _host = null!;
    private TcpListener _open = null!;

    public async Task InitializeAsync()
    {
        // One slot for the whole deployment makes the order in which scans start visible.
        _host = await ApiHost.StartAsync("--ScanGate:Admission:MaxConcurrentScans", "1");
        _open = new TcpListener(IPAddress.Loopback, 0);
        _open.Start();
    }

    public async Task DisposeAsync()
    {
        _open.Stop();
        await _host.DisposeAsync();
    }

    private string Target => $"127.0.0.1:{((IPEndPoint)_open.LocalEndpoint).Port}";

    private static async Task<JsonElement> WaitForEnd(HttpClient client, string id)
    {
        var deadline = DateTime.UtcNow.AddMinutes(4);
        while (true)
        {
            var scan = await client.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{id}");
            if (scan.GetProperty("status").GetString() is "completed" or "failed" or "stopped" or "cancelled") return scan;
            Assert.True(DateTime.UtcNow < deadline, scan.ToString());
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task A_spent_monthly_quota_is_402_and_changes_nothing()
    {
        var tenant = await _host.CreateTenantAsync("Quota", monthlyQuota: 2);
        using var dev = _host.ClientFor(tenant.Keys["developer"]);
        for (var i = 0; i < 2; i++)
            await WaitForEnd(dev, (await ApiHost.PostJsonAsync(dev, "/api/v1/scans", new { scan_type = "network_discovery", target = Target })).GetProperty("id").GetString()!);
        using var third = await dev.PostAsync("/api/v1/scans", new StringContent(
            JsonSerializer.Serialize(new { scan_type = "network_discovery", target = Target }), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.PaymentRequired, third.StatusCode);
        Assert.Contains("monthly quota of 2 scans", (await third.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(2, (await dev.GetFromJsonAsync<JsonElement>("/api/v1/scans")).GetProperty("items").GetArrayLength());

        // The platform administrator raises it.
        using (var raise = await _host.Http.PatchAsync($"/api/v1/orgs/{tenant.OrgId}", new StringContent("""{"monthly_scan_quota":3}""", Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.OK, raise.StatusCode);
        await ApiHost.PostJsonAsync(dev, "/api/v1/scans", new { scan_type = "network_discovery", target = Target });
    }

    [Fact]
    public async Task One_organisations_burst_does_not_starve_another()
    {
        var a = await _host.CreateTenantAsync("Burst", maxConcurrent: 4);
        var b = await _host.CreateTenantAsync("Single");
        using var aDev = _host.ClientFor(a.Keys["developer"]);
        using var bDev = _host.ClientFor(b.Keys["developer"]);

        var aScans = new List<string>();
        for (var i = 0; i < 50; i++)
            aScans.Add((await ApiHost.PostJsonAsync(aDev, "/api/v1/scans", new { scan_type = "network_discovery", target = Target })).GetProperty("id").GetString()!);
        var queuedBehindA = (await aDev.GetFromJsonAsync<JsonElement>("/api/v1/scans?status=queued&limit=200")).GetProperty("items").GetArrayLength();
        Assert.True(queuedBehindA >= 40, $"only {queuedBehindA} of A's scans were waiting");

        var bScan = (await ApiHost.PostJsonAsync(bDev, "/api/v1/scans", new { scan_type = "network_discovery", target = Target })).GetProperty("id").GetString()!;
        var bDone = await WaitForEnd(bDev, bScan);
        Assert.Equal("completed", bDone.GetProperty("status").GetString());
        var bQueuedAt = bDone.GetProperty("created_at").GetDateTimeOffset();
        var bStartedAt = bDone.GetProperty("started_at").GetDateTimeOffset();

        var aStartedBetween = 0;
        foreach (var id in aScans)
        {
            var s = await aDev.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{id}");
            if (s.GetProperty("started_at").ValueKind == JsonValueKind.Null) continue;
            var started = s.GetProperty("started_at").GetDateTimeOffset();
            if (started > bQueuedAt && started < bStartedAt) aStartedBetween++;
        }
        // B waits for the slot A holds when it arrives, and for nothing else.
        Assert.True(aStartedBetween <= 1, $"{aStartedBetween} of A's queued scans started before B's one scan");
        var stillQueued = (await aDev.GetFromJsonAsync<JsonElement>("/api/v1/scans?status=queued&limit=200")).GetProperty("items").GetArrayLength();
        Assert.True(stillQueued > 0, "A's burst should still be draining when B's scan is done");
        foreach (var id in aScans) await aDev.PostAsync($"/api/v1/scans/{id}/cancel", null);
    }

    [Fact]
    public async Task Projects_scan_lists_and_triage_that_carries_over_to_the_next_scan()
    {
        var t = await _host.CreateTenantAsync("Triage");
        using var admin = _host.ClientFor(t.Keys["admin"]);
        using var dev = _host.ClientFor(t.Keys["developer"]);
        var project = await ApiHost.PostJsonAsync(admin, "/api/v1/projects", new { key = "payments", name = "Payments", default_branch = "main", fail_on_severity = "low" });
        Assert.Equal("payments", project.GetProperty("key").GetString());
        using (var dup = await admin.PostAsync("/api/v1/projects", new StringContent("""{"key":"payments","name":"Again"}""", Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.Conflict, dup.StatusCode);

        var first = (await ApiHost.PostJsonAsync(dev, "/api/v1/scans", new { scan_type = "network_discovery", target = Target, project = "payments", branch = "main" })).GetProperty("id").GetString()!;
        var firstDone = await WaitForEnd(dev, first);
        Assert.Equal("payments", firstDone.GetProperty("project").GetString());
        Assert.Equal("low", firstDone.GetProperty("fail_on_severity").GetString()); // the project's default gate

        var finding = (await dev.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{first}/findings")).GetProperty("items")[0];
        using (var patch = await dev.PatchAsync($"/api/v1/findings/{finding.GetProperty("id").GetString()}",
            new StringContent("""{"status":"accepted_risk","note":"test listener, closed after the run"}""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
            var patched = await patch.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("accepted_risk", patched.GetProperty("status").GetString());
            Assert.Equal(t.Members["developer"], patched.GetProperty("status_changed_by").GetString());
        }
        using (var bad = await dev.PatchAsync($"/api/v1/findings/{finding.GetProperty("id").GetString()}", new StringContent("""{"status":"ignored"}""", Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        // The same finding in a later scan of the same project arrives already triaged.
        var second = (await ApiHost.PostJsonAsync(dev, "/api/v1/scans", new { scan_type = "network_discovery", target = Target, project = "payments", branch = "release" })).GetProperty("id").GetString()!;
        await WaitForEnd(dev, second);
        var again = (await dev.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{second}/findings")).GetProperty("items")[0];
        Assert.NotEqual(finding.GetProperty("id").GetString(), again.GetProperty("id").GetString());
        Assert.Equal(finding.GetProperty("fingerprint").GetString(), again.GetProperty("fingerprint").GetString());
        Assert.Equal("accepted_risk", again.GetProperty("status").GetString());
        Assert.Equal("test listener, closed after the run", again.GetProperty("status_note").GetString());

        // Bulk triage and filters.
        var bulk = await ApiHost.PostJsonAsync(dev, "/api/v1/findings/bulk", new
        {
            ids = new[] { finding.GetProperty("id").GetString(), again.GetProperty("id").GetString(), "fnd_01M8DPD13EH3ZBFJ5Z2ZZF6TG9" }, status = "resolved",
        });
        Assert.Equal(2, bulk.GetProperty("updated").GetInt32());
        Assert.Single(bulk.GetProperty("not_found").EnumerateArray());
        Assert.Equal(2, (await dev.GetFromJsonAsync<JsonElement>("/api/v1/findings?status=resolved&project=payments")).GetProperty("total").GetInt32());
        Assert.Equal(0, (await dev.GetFromJsonAsync<JsonElement>("/api/v1/findings?status=open&project=payments")).GetProperty("total").GetInt32());
        Assert.Equal(2, (await dev.GetFromJsonAsync<JsonElement>($"/api/v1/findings?text={((IPEndPoint)_open.LocalEndpoint).Port}&scanner=nmap&category=network")).GetProperty("total").GetInt32());

        // Scan list: newest first, filters, cursor pages.
        var byBranch = (await dev.GetFromJsonAsync<JsonElement>("/api/v1/scans?branch=release")).GetProperty("items");
        Assert.Equal(second, Assert.Single(byBranch.EnumerateArray()).GetProperty("id").GetString());
        var page1 = await dev.GetFromJsonAsync<JsonElement>("/api/v1/scans?project=payments&limit=1");
        Assert.Equal(second, page1.GetProperty("items")[0].GetProperty("id").GetString());
        var page2 = await dev.GetFromJsonAsync<JsonElement>($"/api/v1/scans?project=payments&limit=1&cursor={page1.GetProperty("next_cursor").GetString()}");
        Assert.Equal(first, page2.GetProperty("items")[0].GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Null, page2.GetProperty("next_cursor").ValueKind);
        Assert.Equal(2, (await dev.GetFromJsonAsync<JsonElement>("/api/v1/scans?status=completed&scan_type=network_discovery")).GetProperty("items").GetArrayLength());
        Assert.Equal(0, (await dev.GetFromJsonAsync<JsonElement>($"/api/v1/scans?since={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("o"))}")).GetProperty("items").GetArrayLength());
        using (var badStatus = await dev.GetAsync("/api/v1/scans?status=done"))
            Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);

        // A scan that names no project lands in one made from its target.
        var auto = (await ApiHost.PostJsonAsync(dev, "/api/v1/scans", new { scan_type = "network_discovery", target = Target })).GetProperty("id").GetString()!;
        var autoProject = (await WaitForEnd(dev, auto)).GetProperty("project").GetString();
        Assert.Equal($"127.0.0.1-{((IPEndPoint)_open.LocalEndpoint).Port}", autoProject);
        Assert.True((await admin.GetFromJsonAsync<JsonElement>($"/api/v1/projects/{autoProject}")).GetProperty("created_on_the_fly").GetBoolean());
        using (var unknown = await dev.PostAsync("/api/v1/scans", new StringContent(JsonSerializer.Serialize(new { scan_type = "network_discovery", target = Target, project = "nope" }), Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);

        // Everything above is in the audit log, with who, which key and from where.
        var audit = (await admin.GetFromJsonAsync<JsonElement>("/api/v1/audit-log?limit=500")).GetProperty("items").EnumerateArray().ToList();
        var actions = audit.Select(e => e.GetProperty("action").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "member.added", "key.created", "project.created", "scan.triggered", "finding.triaged" }, actions);
        var triaged = audit.First(e => e.GetProperty("action").GetString() == "finding.triaged");
        Assert.Equal(t.Members["developer"], triaged.GetProperty("actor").GetString());
        Assert.Equal("127.0.0.1", triaged.GetProperty("client_ip").GetString());
        Assert.StartsWith("key_", triaged.GetProperty("key_id").GetString());
        var onlyTriage = (await admin.GetFromJsonAsync<JsonElement>($"/api/v1/audit-log?action=finding.triaged&actor={t.Members["developer"]}&limit=2"));
        Assert.Equal(2, onlyTriage.GetProperty("items").GetArrayLength());
        Assert.NotEqual(JsonValueKind.Null, onlyTriage.GetProperty("next_cursor").ValueKind);
    }
}
