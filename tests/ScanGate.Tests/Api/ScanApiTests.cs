using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Api;

/// <summary>The REST API and its SSE stream over real HTTP against Kestrel on 127.0.0.1.</summary>
public sealed class ScanApiTests : IAsyncLifetime
{
    private ApiHost _host = null!;
    private HttpClient Http => _host.Http;

    public async Task InitializeAsync() => _host = await ApiHost.StartAsync();
    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<(HttpStatusCode Status, JsonElement Body, string? ContentType)> Post(string path, string json)
    {
        using var response = await Http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), response.Content.Headers.ContentType?.MediaType);
    }

    private async Task<JsonElement> GetJson(string path) => JsonDocument.Parse(await Http.GetStringAsync(path)).RootElement.Clone();

    private async Task<JsonElement> WaitForEnd(string id)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            var scan = await GetJson($"/api/v1/scans/{id}");
            if (scan.GetProperty("status").GetString() is "completed" or "failed" or "stopped" or "cancelled") return scan;
            if (DateTime.UtcNow > deadline) throw new TimeoutException(scan.ToString());
            await Task.Delay(250);
        }
    }

    [Theory]
    [InlineData("""{"target":"127.0.0.1"}""", "scan_type", "scan_type is required")]
    [InlineData("""{"scan_type":"web_magic","target":"127.0.0.1"}""", "scan_type", "unknown scan_type 'web_magic'")]
    [InlineData("""{"scan_type":"network_discovery"}""", "target", "target is required")]
    [InlineData("""{"scan_type":"network_discovery","target":"-oN/etc/passwd"}""", "target", "must not start with '-'")]
    [InlineData("""{"scan_type":"secret_scan","target":"/etc"}""", "target", "local paths")]
    [InlineData("""{"scan_type":"network_discovery","target":"127.0.0.1","scan_profile":"everything"}""", "scan_profile", "known profiles: ping_sweep, port_scan, service_detection, comprehensive, vulnerability_scan")]
    [InlineData("""{"scan_type":"ssl_security","target":"127.0.0.1","scanners":["nmap"]}""", "scanners", "scanner 'nmap' does not serve ssl_security")]
    [InlineData("""{"scan_type":"ssl_security","target":"127.0.0.1","scanners":[]}""", "scanners", "non-empty array")]
    [InlineData("""{"scan_type":"network_discovery","target":"127.0.0.1","fail_on_severity":"severe"}""", "fail_on_severity", "critical, high, medium, low, none")]
    [InlineData("""{"scan_type":"secret_scan","target":"git://127.0.0.1/a","branch":"--upload-pack=x"}""", "branch", "Git branch name")]
    [InlineData("""{"scan_type":"network_discovery","target":"127.0.0.1","pipeline_context":"job 5"}""", "pipeline_context", "JSON object")]
    [InlineData("""{"scan_type":"network_discovery","target":"127.0.0.1","callbak_url":"x"}""", "callbak_url", "unknown field")]
    [InlineData("""{"scan_type":"network_discovery",""", "body", "not valid JSON")]
    [InlineData("""["network_discovery"]""", "body", "JSON object")]
    public async Task Bad_requests_are_problems_naming_the_field(string json, string field, string detailPart)
    {
        var (status, body, contentType) = await Post("/api/v1/scans", json);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.Equal(field, body.GetProperty("field").GetString());
        Assert.Contains(detailPart, body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Unknown_and_malformed_scan_ids_are_404_problems()
    {
        foreach (var path in new[] { "/api/v1/scans/scn_01M8DPC34YBBYJ7FZM7XCN4CK9", "/api/v1/scans/../../etc", "/api/v1/scans/scn_x/results", "/api/v1/scans/nope/findings" })
        {
            using var r = await Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        }
        using var cmd = await Http.PostAsync("/api/v1/scans/scn_01M8DPC34YBBYJ7FZM7XCN4CK9/pause", null);
        Assert.Equal(HttpStatusCode.NotFound, cmd.StatusCode);
        Assert.Equal("application/problem+json", cmd.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Scan_types_come_from_the_catalogue()
    {
        var types = await GetJson("/api/v1/scan-types");
        var network = types.EnumerateArray().Single(t => t.GetProperty("name").GetString() == "network_discovery");
        Assert.Equal(["ping_sweep", "port_scan", "service_detection", "comprehensive", "vulnerability_scan"], network.GetProperty("profiles").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Equal("nmap", network.GetProperty("scanners")[0].GetProperty("name").GetString());
        var ssl = types.EnumerateArray().Single(t => t.GetProperty("name").GetString() == "ssl_security");
        Assert.Equal(["sslscan", "testssl"], ssl.GetProperty("scanners").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal("in_process", types.EnumerateArray().Single(t => t.GetProperty("name").GetString() == "security_headers")
            .GetProperty("scanners")[0].GetProperty("runs").GetString());
        Assert.Equal("ok", (await GetJson("/healthz")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_scan_over_http_from_trigger_to_verdict_with_results_findings_and_a_refused_transition()
    {
        using var open = new TcpListener(IPAddress.Loopback, 0);
        open.Start();
        var port = ((IPEndPoint)open.LocalEndpoint).Port;
        var (status, created, _) = await Post("/api/v1/scans",
            $$$"""{"scan_type":"network_discovery","target":"127.0.0.1:{{{port}}}","fail_on_severity":"low","branch":"main","pipeline_context":{"pipeline":"ci-7"}}""");
        Assert.Equal(HttpStatusCode.Accepted, status);
        var id = created.GetProperty("id").GetString()!;
        Assert.StartsWith("scn_", id);
        Assert.Equal("queued", created.GetProperty("status").GetString());
        Assert.Equal($"/api/v1/scans/{id}/events", created.GetProperty("links").GetProperty("events").GetString());

        var scan = await WaitForEnd(id);
        Assert.Equal("completed", scan.GetProperty("status").GetString());
        Assert.Equal("network_discovery", scan.GetProperty("scan_type").GetString());
        Assert.Equal($"127.0.0.1:{port}", scan.GetProperty("target").GetString());
        Assert.Equal("low", scan.GetProperty("fail_on_severity").GetString());
        Assert.True(scan.GetProperty("gate_passed").GetBoolean()); // one open port is info
        Assert.Equal("ci-7", scan.GetProperty("pipeline_context").GetProperty("pipeline").GetString());
        var scanner = scan.GetProperty("scanners")[0];
        Assert.Equal("nmap", scanner.GetProperty("name").GetString());
        Assert.Equal("done", scanner.GetProperty("phase").GetString());
        Assert.Equal(1, scan.GetProperty("counts").GetProperty("info").GetInt32());
        foreach (var field in new[] { "created_at", "started_at", "finished_at", "rescan_of", "rescanned_as" })
            Assert.True(scan.TryGetProperty(field, out _), field);

        var results = await GetJson($"/api/v1/scans/{id}/results");
        Assert.Equal(1, results.GetProperty("findings_count").GetInt32());
        Assert.NotEmpty(results.GetProperty("reasons").EnumerateArray());

        var findings = await GetJson($"/api/v1/scans/{id}/findings?limit=10");
        var finding = findings.GetProperty("items")[0];
        Assert.Equal(port, finding.GetProperty("location").GetProperty("port").GetInt32());
        Assert.Equal("info", finding.GetProperty("severity").GetString());
        Assert.Equal(JsonValueKind.Null, findings.GetProperty("next_cursor").ValueKind);

        using var bad = await Http.GetAsync($"/api/v1/scans/{id}/findings?limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        using var pause = await Http.PostAsync($"/api/v1/scans/{id}/pause", null);
        Assert.Equal(HttpStatusCode.Conflict, pause.StatusCode);
        var problem = await pause.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("it is completed", problem.GetProperty("detail").GetString());
        using var unknown = await Http.PostAsync($"/api/v1/scans/{id}/explode", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        using var rescan = await Http.PostAsync($"/api/v1/scans/{id}/rescan", null);
        Assert.Equal(HttpStatusCode.Accepted, rescan.StatusCode);
        var next = await rescan.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(id, next.GetProperty("rescan_of").GetString());
        Assert.Equal(next.GetProperty("id").GetString(), (await GetJson($"/api/v1/scans/{id}")).GetProperty("rescanned_as").GetString());
        await WaitForEnd(next.GetProperty("id").GetString()!);
    }

    [Fact]
    public async Task Security_headers_runs_in_process_against_a_url_on_loopback()
    {
        var target = new Uri(_host.BaseAddress, "/healthz");
        var (status, created, _) = await Post("/api/v1/scans", $$"""{"scan_type":"security_headers","target":"{{target}}","fail_on_severity":"medium"}""");
        Assert.Equal(HttpStatusCode.Accepted, status);
        var id = created.GetProperty("id").GetString()!;
        var scan = await WaitForEnd(id);
        Assert.Equal("completed", scan.GetProperty("status").GetString());
        var rules = (await GetJson($"/api/v1/scans/{id}/findings?limit=100")).GetProperty("items").EnumerateArray()
            .Select(f => f.GetProperty("rule_id").GetString()).ToList();
        Assert.Contains("missing-csp", rules);
        Assert.Contains("missing-nosniff", rules);
        Assert.DoesNotContain("missing-hsts", rules); // plain http
        Assert.False(scan.GetProperty("gate_passed").GetBoolean());
    }

    [Fact]
    public async Task Events_stream_starts_with_a_snapshot_and_ends_after_the_final_event()
    {
        using var open = new TcpListener(IPAddress.Loopback, 0);
        open.Start();
        var port = ((IPEndPoint)open.LocalEndpoint).Port;
        var (_, created, _) = await Post("/api/v1/scans", $$"""{"scan_type":"network_discovery","target":"127.0.0.1:{{port}}"}""");
        var id = created.GetProperty("id").GetString()!;

        // A late subscriber: snapshot first, then the rest.
        var messages = await ReadAllEvents(id, lastEventId: null);
        Assert.Equal("snapshot", messages[0].Event);
        Assert.Equal(id, JsonDocument.Parse(messages[0].Data).RootElement.GetProperty("id").GetString());
        Assert.Equal("finished", messages[^1].Event);
        var final = JsonDocument.Parse(messages[^1].Data).RootElement;
        Assert.Equal("completed", final.GetProperty("status").GetString());
        Assert.True(final.GetProperty("gate_passed").GetBoolean());

        // Resuming from the start replays everything still held: every phase of the run, in order.
        var replay = await ReadAllEvents(id, lastEventId: 0);
        Assert.NotEqual("snapshot", replay[0].Event);
        var ids = replay.Select(m => long.Parse(m.Id!)).ToList();
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(ids.Distinct().Count(), ids.Count);
        var phases = replay.Where(m => m.Event == "progress")
            .Select(m => JsonDocument.Parse(m.Data).RootElement.GetProperty("phase").GetString()).Distinct().ToList();
        Assert.Equal(["pulling", "starting", "running", "parsing", "done"], phases);
        Assert.Contains(replay, m => m.Event == "log");
        Assert.Contains(replay, m => m.Event == "findings");
        Assert.Equal("finished", replay[^1].Event);

        // Resuming from the middle gives exactly what came after.
        var middle = ids[ids.Count / 2];
        var tail = await ReadAllEvents(id, middle);
        Assert.Equal(ids.Where(i => i > middle), tail.Select(m => long.Parse(m.Id!)));
    }

    private async Task<List<SseMessage>> ReadAllEvents(string id, long? lastEventId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/scans/{id}/events");
        if (lastEventId is { } last) request.Headers.Add("Last-Event-ID", last.ToString());
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var list = new List<SseMessage>();
        await foreach (var m in SseReader.ReadAsync(await response.Content.ReadAsStreamAsync(cts.Token), cts.Token))
            if (m.Event != "heartbeat") list.Add(m);
        return list; // the server ended the stream
    }
}

/// <summary>Without a reachable container engine, container scan types are a clear 503 and in-process ones still run.</summary>
public sealed class NoEngineTests : IAsyncLifetime
{
    private ApiHost _host = null!;
    public async Task InitializeAsync() => _host = await ApiHost.StartAsync("--ScanGate:Docker:Endpoint", "unix:///tmp/scangate-no-such-engine.sock");
    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Container_scans_are_503_and_security_headers_still_works()
    {
        using var refused = await _host.Http.PostAsync("/api/v1/scans",
            new StringContent("""{"scan_type":"network_discovery","target":"127.0.0.1"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("no container engine is reachable", problem.GetProperty("detail").GetString());

        using var accepted = await _host.Http.PostAsync("/api/v1/scans",
            new StringContent($$"""{"scan_type":"security_headers","target":"{{new Uri(_host.BaseAddress, "/healthz")}}"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var deadline = DateTime.UtcNow.AddMinutes(1);
        string? status;
        do
        {
            await Task.Delay(200);
            status = (await _host.Http.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{id}")).GetProperty("status").GetString();
        } while (status is "queued" or "running" && DateTime.UtcNow < deadline);
        Assert.Equal("completed", status);
    }
}
