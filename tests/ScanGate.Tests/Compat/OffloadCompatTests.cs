using System.Text.Json;
using System.Net;
using System.Net.Sockets;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Compat;

/// <summary><c>/compat/offload</c>: the platform's documented pipeline flow (tests/compat/offload-pipeline.sh) with
/// curl and jq against the built ScanGate process and a real nmap container, and its documented error codes.</summary>
public sealed class OffloadCompatTests(CompatProcess scangate) : IClassFixture<CompatProcess>
{
    private string BaseUrl => scangate.Process.Http.BaseAddress + "compat/offload";

    [Fact]
    public async Task The_documented_pipeline_passes_a_clean_target_and_fails_a_risky_one()
    {
        var (_, key, _) = await scangate.TenantAsync("offload-flow");
        using var open = new TcpListener(IPAddress.Loopback, 0);
        open.Start();
        var (code, output) = await CompatProcess.RunScriptAsync("offload-pipeline.sh", new Dictionary<string, string>
        {
            ["OFFLOAD_URL"] = BaseUrl, ["OFFLOAD_API_KEY"] = key, ["SCAN_TARGET"] = $"127.0.0.1:{((IPEndPoint)open.LocalEndpoint).Port}", ["FAIL_ON_SEVERITY"] = "high",
        });
        Assert.True(code == 0, output);
        Assert.Contains("security gate passed", output);
        Assert.Contains("\"job\":\"security-scan\"", output); // pipeline_context comes back as given

        // A Docker engine API on its well-known port is a high finding: the job fails.
        using var docker = new TcpListener(IPAddress.Loopback, 2375);
        docker.Start();
        (code, output) = await CompatProcess.RunScriptAsync("offload-pipeline.sh", new Dictionary<string, string>
        {
            ["OFFLOAD_URL"] = BaseUrl, ["OFFLOAD_API_KEY"] = key, ["SCAN_TARGET"] = "127.0.0.1:2375", ["FAIL_ON_SEVERITY"] = "high",
        });
        Assert.True(code == 1, output);
        Assert.Contains("security gate failed", output);
    }

    [Fact]
    public async Task The_documents_minimal_pipeline_step_runs_unchanged()
    {
        // web_vulnerability runs its default scanners that this machine has (sqlmap and ffuf; ZAP's image is not built
        // here, so it is skipped): against a site that exposes its .git/ and a backup, ffuf's high findings fail the
        // gate, and the documented step fails the job, having walked every documented path.
        var (_, key, _) = await scangate.TenantAsync("offload-doc");
        await using var site = await PlantedWebServer.StartAsync();
        var (code, output) = await CompatProcess.RunScriptAsync("offload-doc-steps.sh", new Dictionary<string, string>
        {
            ["OFFLOAD_API_URL"] = BaseUrl, ["OFFLOAD_API_KEY"] = key, ["STAGING_URL"] = site.Url,
        });
        Assert.Matches(@"scan_id: scn_\w+", output);
        Assert.Matches("status: (completed|failed)", output);
        Assert.Contains("\"critical\": 0", output); // .data.findings_by_severity
        Assert.Matches("\"high\": [1-9]", output); // the gate fails on what ffuf found, not on a scan that did not run
        Assert.True(code == 1, output);
        Assert.Contains("Security gate failed", output);
    }

    [Fact]
    public async Task Results_carry_the_documented_fields_and_the_full_result_object()
    {
        // A key in the platform's format, made through this surface's own key endpoint, drives the flow.
        var (_, admin, _) = await scangate.TenantAsync("offload-result", preset: "admin");
        var (keyStatus, created) = await CompatProcess.SendAsync(scangate.Client(admin), HttpMethod.Post, "/compat/offload/api/keys",
            new { name = "GitHub Actions – web app", preset = "CI/CD Pipeline (Basic)" });
        Assert.True(keyStatus == HttpStatusCode.Created, created.ToString());
        var key = created.GetProperty("data").GetProperty("key").GetString()!;
        Assert.Matches("^osk_[A-Za-z0-9]{43}$", key);
        Assert.Equal(["scans:trigger", "scans:read"], created.GetProperty("data").GetProperty("scopes").EnumerateArray().Select(e => e.GetString()!));
        var expires = created.GetProperty("data").GetProperty("expires_at").GetDateTimeOffset();
        Assert.InRange((expires - DateTimeOffset.UtcNow).TotalDays, 89, 91); // default 90 days
        Assert.Equal(HttpStatusCode.BadRequest, (await CompatProcess.SendAsync(scangate.Client(admin), HttpMethod.Post, "/compat/offload/api/keys",
            new { name = "long", expires_in_days = 366 })).Status);

        using var http = scangate.Client(key);
        using var open = new TcpListener(IPAddress.Loopback, 0);
        open.Start();
        var (status, trigger) = await CompatProcess.SendAsync(http, HttpMethod.Post, "/compat/offload/api/cicd/scans/trigger",
            new { scan_type = "network_discovery", target = $"127.0.0.1:{((IPEndPoint)open.LocalEndpoint).Port}", scan_profile = "port_scan", fail_on_severity = "high" });
        Assert.True(status == HttpStatusCode.Created, trigger.ToString());
        var id = trigger.GetProperty("data").GetProperty("scan_id").GetString()!;
        JsonElement data = default;
        for (var deadline = DateTime.UtcNow.AddMinutes(3); DateTime.UtcNow < deadline; await Task.Delay(500))
        {
            data = (await CompatProcess.SendAsync(http, HttpMethod.Get, $"/compat/offload/api/cicd/scans/{id}/status")).Body.GetProperty("data");
            Assert.Contains(data.GetProperty("status").GetString(), new[] { "pending", "running", "completed", "failed" });
            if (data.GetProperty("status").GetString() is "completed" or "failed") break;
        }
        var (_, results) = await CompatProcess.SendAsync(http, HttpMethod.Get, $"/compat/offload/api/cicd/scans/{id}/results");
        // "status, findings_count, findings_by_severity, gate_passed, fail_on_severity, your pipeline_context, and the full result object"
        DocumentedShape.Assert(results, """
            { "data": { "status": "completed", "findings_count": 1, "findings_by_severity": { "critical": 0, "high": 0, "medium": 0, "low": 0 },
              "gate_passed": true, "fail_on_severity": "high", "pipeline_context": null, "result": {} } }
            """);
        var r = results.GetProperty("data");
        Assert.Equal("completed", r.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Number, r.GetProperty("findings_count").ValueKind);
        foreach (var severity in new[] { "critical", "high", "medium", "low" })
            Assert.Equal(JsonValueKind.Number, r.GetProperty("findings_by_severity").GetProperty(severity).ValueKind);
        Assert.True(r.GetProperty("gate_passed").GetBoolean());
        Assert.Equal("high", r.GetProperty("fail_on_severity").GetString());
        // The full result object: the scan with its verdict, and its findings (nmap's open port).
        var result = r.GetProperty("result");
        Assert.Equal(JsonValueKind.Object, result.ValueKind);
        Assert.Equal(id, result.GetProperty("scan").GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Array, result.GetProperty("scan").GetProperty("gate").GetProperty("reasons").ValueKind);
        Assert.Equal(r.GetProperty("findings_count").GetInt32(), result.GetProperty("findings").GetArrayLength());
        Assert.Contains(result.GetProperty("findings").EnumerateArray(), f => f.GetProperty("scanner").GetString() == "nmap");

        // Only the documented scan types and profiles.
        var (_, types) = await CompatProcess.SendAsync(http, HttpMethod.Get, "/compat/offload/api/cicd/scan-types");
        Assert.Equal(["nuclei", "web_vulnerability", "network_discovery", "ssl_security", "security_headers", "api_security", "container_image",
            "kubernetes_manifest", "lightweight_comprehensive", "code_security", "sast", "dependency_scan", "secret_scan", "iac_scan", "sbom"],
            types.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("scan_type").GetString()!));
        Assert.Equal(["standard"], types.GetProperty("data").EnumerateArray().Single(t => t.GetProperty("scan_type").GetString() == "container_image")
            .GetProperty("profiles").EnumerateArray().Select(p => p.GetProperty("name").GetString()!));
        var (profileStatus, profile) = await CompatProcess.SendAsync(http, HttpMethod.Post, "/compat/offload/api/cicd/scans/trigger",
            new { scan_type = "container_image", target = "registry.example.test/shop/web:1.4.2", scan_profile = "fixable" });
        Assert.Equal(HttpStatusCode.BadRequest, profileStatus);
        Assert.Equal("scan_profile", profile.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Trigger_answers_in_the_documented_shape_and_the_scan_is_visible_natively()
    {
        var (_, key, _) = await scangate.TenantAsync("offload-shape");
        using var http = scangate.Client(key);
        var (status, body) = await CompatProcess.SendAsync(http, HttpMethod.Post, "/compat/offload/api/cicd/scans/trigger",
            new { scan_type = "network_discovery", target = "127.0.0.1:9", scan_profile = "port_scan", fail_on_severity = "critical", branch = "main", pipeline_context = new { run = 7 } });
        Assert.Equal(HttpStatusCode.Created, status);
        DocumentedShape.Assert(body, """
            { "data": { "scan_id": "…", "status": "pending", "scan_type": "nuclei", "scan_profile": "standard", "target": "https://staging.example.com",
              "status_url": "/api/cicd/scans/<scan_id>/status", "results_url": "/api/cicd/scans/<scan_id>/results" } }
            """, closed: true);
        var data = body.GetProperty("data");
        var id = data.GetProperty("scan_id").GetString()!;
        Assert.Equal("pending", data.GetProperty("status").GetString());
        Assert.Equal("port_scan", data.GetProperty("scan_profile").GetString());
        Assert.Equal($"/compat/offload/api/cicd/scans/{id}/status", data.GetProperty("status_url").GetString());
        Assert.Equal($"/compat/offload/api/cicd/scans/{id}/results", data.GetProperty("results_url").GetString());

        var (nativeStatus, native) = await CompatProcess.SendAsync(http, HttpMethod.Get, $"/api/v1/scans/{id}");
        Assert.Equal(HttpStatusCode.OK, nativeStatus);
        Assert.Equal(7, native.GetProperty("pipeline_context").GetProperty("run").GetInt32());

        var (typesStatus, types) = await CompatProcess.SendAsync(http, HttpMethod.Get, "/compat/offload/api/cicd/scan-types");
        Assert.Equal(HttpStatusCode.OK, typesStatus);
        Assert.Contains(types.GetProperty("data").EnumerateArray(), t => t.GetProperty("scan_type").GetString() == "network_discovery"
            && t.GetProperty("profiles").EnumerateArray().Any(p => p.GetProperty("name").GetString() == "service_detection"));
    }

    [Fact]
    public async Task Documented_error_codes()
    {
        var trigger = new { scan_type = "network_discovery", target = "127.0.0.1:9" };
        // No key, a key that is not one, and a revoked key: 401.
        Assert.Equal(HttpStatusCode.Unauthorized, (await CompatProcess.SendAsync(scangate.Client(null), HttpMethod.Post, "/compat/offload/api/cicd/scans/trigger", trigger)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await CompatProcess.SendAsync(scangate.Client(ScanGate.Application.ApiKeys.NewKey()), HttpMethod.Post, "/compat/offload/api/cicd/scans/trigger", trigger)).Status);
        var (_, key, _) = await scangate.TenantAsync("offload-errors");
        // The key in another header than the documented one does not count here.
        Assert.Equal(HttpStatusCode.Unauthorized, (await CompatProcess.SendAsync(scangate.Client(key, "Bearer"), HttpMethod.Post, "/compat/offload/api/cicd/scans/trigger", trigger)).Status);
        // A key without the scope: 401 on this surface (403 natively).
        var (_, readOnly, _) = await scangate.TenantAsync("offload-readonly", preset: null, scopes: ["scans:read"]);
        var (scopeStatus, scopeBody) = await CompatProcess.SendAsync(scangate.Client(readOnly), HttpMethod.Post, "/compat/offload/api/cicd/scans/trigger", trigger);
        Assert.Equal(HttpStatusCode.Unauthorized, scopeStatus);
        Assert.Contains("scans:trigger", scopeBody.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await CompatProcess.SendAsync(scangate.Client(readOnly), HttpMethod.Post, "/api/v1/scans", trigger)).Status);
        // Unknown scan type.
        var (badStatus, bad) = await CompatProcess.SendAsync(scangate.Client(key), HttpMethod.Post, "/compat/offload/api/cicd/scans/trigger", new { scan_type = "web_magic", target = "127.0.0.1" });
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.Equal("Unknown scan_type", bad.GetProperty("error").GetString());
        // A callback that is not https to a public address.
        var (cbStatus, cb) = await CompatProcess.SendAsync(scangate.Client(key), HttpMethod.Post, "/compat/offload/api/cicd/scans/trigger",
            new { scan_type = "network_discovery", target = "127.0.0.1:9", callback_url = "http://127.0.0.1:9/hook" });
        Assert.Equal(HttpStatusCode.BadRequest, cbStatus);
        Assert.Equal("callback_url", cb.GetProperty("field").GetString());
        // A revoked key.
        var (revokedOrg, revoked, revokedId) = await scangate.TenantAsync("offload-revoked");
        Assert.Equal(HttpStatusCode.OK, (await CompatProcess.SendAsync(scangate.Client(revoked), HttpMethod.Get, "/compat/offload/api/cicd/scan-types")).Status);
        Assert.True((await CompatProcess.SendAsync(scangate.Admin, HttpMethod.Delete, $"/api/v1/apikeys/{revokedId}?org_id={revokedOrg}")).Status == HttpStatusCode.NoContent);
        Assert.Equal(HttpStatusCode.Unauthorized, (await CompatProcess.SendAsync(scangate.Client(revoked), HttpMethod.Get, "/compat/offload/api/cicd/scan-types")).Status);
        // The rate limit: 429 with Retry-After.
        var (_, slow, _) = await scangate.TenantAsync("offload-rate", ratePerMinute: 2);
        using var slowClient = scangate.Client(slow);
        HttpStatusCode last = HttpStatusCode.OK;
        for (var i = 0; i < 4; i++) last = (await CompatProcess.SendAsync(slowClient, HttpMethod.Get, "/compat/offload/api/cicd/scan-types")).Status;
        Assert.Equal(HttpStatusCode.TooManyRequests, last);
        // The plan's monthly quota spent: 402.
        var (_, small, _) = await scangate.TenantAsync("offload-plan", monthlyQuota: 1);
        using var smallClient = scangate.Client(small);
        Assert.Equal(HttpStatusCode.Created, (await CompatProcess.SendAsync(smallClient, HttpMethod.Post, "/compat/offload/api/cicd/scans/trigger", trigger)).Status);
        Assert.Equal(HttpStatusCode.PaymentRequired, (await CompatProcess.SendAsync(smallClient, HttpMethod.Post, "/compat/offload/api/cicd/scans/trigger", trigger)).Status);
        // Another organisation's scan is not found.
        var (_, mine) = await CompatProcess.SendAsync(smallClient, HttpMethod.Get, "/api/v1/scans");
        var otherId = mine.GetProperty("items")[0].GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.NotFound, (await CompatProcess.SendAsync(scangate.Client(key), HttpMethod.Get, $"/compat/offload/api/cicd/scans/{otherId}/status")).Status);
    }
}
