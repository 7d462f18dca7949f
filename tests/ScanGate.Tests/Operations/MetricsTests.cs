using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Operations;

/// <summary>
/// The scenario the metrics tests read, run once on the embedded deployment with the default exporters (only the
/// Prometheus endpoint): two real nmap scans (one with a callback that is refused once, then acknowledged), a third
/// scan held running against a listener that never answers while an SSE client follows it, then cancelled; two
/// unknown keys and one request without a key; a key with a limit of 2 a minute used 4 times.
/// </summary>
public sealed class MetricsScenario : IAsyncLifetime
{
    public ApiHost Host { get; private set; } = null!;
    public Tenant Tenant { get; private set; } = null!;
    public int NmapFindings { get; private set; }
    public int RateLimited { get; private set; }
    public PrometheusScrape WhileRunning { get; private set; } = null!;
    public PrometheusScrape AtEnd { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await ApiHost.StartAsync("--ScanGate:Silo:ContainerSlots", "3",
            "--ScanGate:Callbacks:AllowPrivateAddresses", "true", "--ScanGate:Api:AllowPrivateCallbacks", "true", "--ScanGate:Callbacks:FirstRetrySeconds", "0.5");
        Tenant = await Host.CreateTenantAsync("Metrics" + Guid.NewGuid().ToString("N")[..6]);
        using var developer = Host.ClientFor(Tenant.Keys["developer"]);

        using var open = new TcpListener(IPAddress.Loopback, 0);
        open.Start();
        var port = ((IPEndPoint)open.LocalEndpoint).Port;
        var callbackPort = Net.FreePort();
        using var receiver = new HttpListener();
        receiver.Prefixes.Add($"http://127.0.0.1:{callbackPort}/");
        receiver.Start();
        var callbacks = Task.Run(async () =>
        {
            for (var i = 1; i <= 2; i++)
            {
                var ctx = await receiver.GetContextAsync();
                ctx.Response.StatusCode = i == 1 ? 503 : 204; // refused once, then acknowledged
                ctx.Response.Close();
            }
        });

        var a = await StartAsync(developer, new { scan_type = "network_discovery", target = $"127.0.0.1:{port}", scan_profile = "port_scan", callback_url = $"http://127.0.0.1:{callbackPort}/hook" });
        var b = await StartAsync(developer, new { scan_type = "network_discovery", target = $"127.0.0.1:{port}", scan_profile = "port_scan" });
        foreach (var id in new[] { a, b })
        {
            var done = await Scans.WaitForEndAsync(developer, id, TimeSpan.FromMinutes(3));
            Assert.Equal("completed", done.GetProperty("status").GetString());
            NmapFindings += Scans.TotalFindings(done);
        }
        await callbacks.WaitAsync(TimeSpan.FromMinutes(1));

        // A scan that stays running: its target accepts connections and never answers.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = await StartAsync(developer, new { scan_type = "security_headers", target = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/" });
        await Scans.WaitForStatusAsync(developer, held, "running", TimeSpan.FromMinutes(1));
        using (var events = await developer.GetAsync($"/api/v1/scans/{held}/events", HttpCompletionOption.ResponseHeadersRead))
        {
            await using var stream = await events.Content.ReadAsStreamAsync();
            await using var messages = SseReader.ReadAsync(stream).GetAsyncEnumerator();
            Assert.True(await messages.MoveNextAsync());
            Assert.Equal("snapshot", messages.Current.Event);
            WhileRunning = await ScrapeUntilAsync(s => s.Sum("scangate_event_watchers") == 1
                && s.Sum("scangate_scans", ("org", Tenant.OrgId), ("status", "running")) == 1);
            using var cancel = await developer.PostAsync($"/api/v1/scans/{held}/cancel", null);
            Assert.True(cancel.IsSuccessStatusCode, await cancel.Content.ReadAsStringAsync());
        }

        using (var stranger = Host.ClientFor("sgk_" + new string('A', 43)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.GetAsync("/api/v1/scans")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.GetAsync("/api/v1/findings")).StatusCode);
        }
        using (var nobody = Host.ClientFor(null))
            Assert.Equal(HttpStatusCode.Unauthorized, (await nobody.GetAsync("/api/v1/scans")).StatusCode);

        using var admin = Host.ClientFor(Tenant.Keys["admin"]);
        var limitedKey = (await ApiHost.PostJsonAsync(admin, "/api/v1/apikeys", new { name = "limited", preset = "ci-basic", rate_limit_per_minute = 2 })).GetProperty("key").GetString()!;
        using var limited = Host.ClientFor(limitedKey);
        for (var i = 0; i < 4; i++)
            if ((await limited.GetAsync("/api/v1/scans")).StatusCode == HttpStatusCode.TooManyRequests) RateLimited++;

        AtEnd = await ScrapeUntilAsync(s => s.Sum("scangate_event_watchers") == 0
            && s.Sum("scangate_run_duration_seconds_count", ("scanner", "nmap")) == 2
            && s.Sum("scangate_scans", ("org", Tenant.OrgId)) is null or 0
            && s.Sum("scangate_container_operation_duration_seconds_count", ("operation", "remove")) == 2
            && s.Sum("scangate_callback_deliveries_total") == 2);
    }

    private static async Task<string> StartAsync(HttpClient client, object body) =>
        (await ApiHost.PostJsonAsync(client, "/api/v1/scans", body)).GetProperty("id").GetString()!;

    /// <summary>Scrapes /metrics (anonymously, as Prometheus does) until <paramref name="done"/> holds; the last scrape after 30 s.</summary>
    public async Task<PrometheusScrape> ScrapeUntilAsync(Func<PrometheusScrape, bool> done)
    {
        using var prometheus = Host.ClientFor(null);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var response = await prometheus.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var scrape = new PrometheusScrape(await response.Content.ReadAsStringAsync());
            if (done(scrape) || DateTime.UtcNow > deadline) return scrape;
            await Task.Delay(200);
        }
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

public sealed class MetricsTests(MetricsScenario scenario) : IClassFixture<MetricsScenario>
{
    private PrometheusScrape End => scenario.AtEnd;

    [Fact]
    public void Scan_and_run_durations_count_the_two_scans_by_type_scanner_and_status()
    {
        Assert.Equal(2, End.Sum("scangate_scan_duration_seconds_count", ("scan_type", "network_discovery"), ("status", "completed")));
        Assert.Equal(2, End.Sum("scangate_run_duration_seconds_count", ("scan_type", "network_discovery"), ("scanner", "nmap"), ("status", "completed")));
        Assert.True(End.Sum("scangate_scan_duration_seconds_sum", ("scan_type", "network_discovery")) > 0);
        // The cancelled in-process scan is counted as such, not as a completed one.
        Assert.Equal(1, End.Sum("scangate_scan_duration_seconds_count", ("scan_type", "security_headers"), ("status", "cancelled")));
    }

    [Fact]
    public void Findings_stored_equal_the_findings_the_two_scans_report()
    {
        Assert.True(scenario.NmapFindings > 0);
        Assert.Equal(scenario.NmapFindings, End.Sum("scangate_findings_stored_total", ("scanner", "nmap")));
    }

    [Fact]
    public void Container_operations_and_slots_are_counted_per_operation_and_silo()
    {
        foreach (var operation in new[] { "create", "start", "wait", "remove" })
            Assert.Equal(2, End.Sum("scangate_container_operation_duration_seconds_count", ("operation", operation), ("outcome", "ok")));
        Assert.Equal(3, End.Sum("scangate_container_slots", ("state", "free")));
        Assert.Equal(0, End.Sum("scangate_container_slots", ("state", "used")));
    }

    [Fact]
    public void Running_scans_per_organisation_and_live_watchers_are_gauges_that_go_back_down()
    {
        Assert.Equal(1, scenario.WhileRunning.Sum("scangate_scans", ("org", scenario.Tenant.OrgId), ("status", "running")));
        Assert.Equal(1, scenario.WhileRunning.Sum("scangate_event_watchers"));
        Assert.Equal(1, scenario.WhileRunning.Sum("scangate_event_feeds"));
        Assert.Equal(0, End.Sum("scangate_event_watchers"));
        Assert.True(End.Sum("scangate_scans", ("org", scenario.Tenant.OrgId)) is null or 0);
    }

    [Fact]
    public void Authentication_failures_rate_limit_refusals_and_callbacks_are_counted()
    {
        Assert.Equal(2, End.Sum("scangate_auth_failures_total", ("reason", "invalid")));
        Assert.Equal(1, End.Sum("scangate_auth_failures_total", ("reason", "missing")));
        Assert.True(scenario.RateLimited >= 1, "a key limited to 2 a minute was used 4 times without a 429");
        Assert.Equal(scenario.RateLimited, End.Sum("scangate_ratelimit_refusals_total", ("limit", "api_key")));
        Assert.Equal(1, End.Sum("scangate_callback_deliveries_total", ("outcome", "refused")));
        Assert.Equal(1, End.Sum("scangate_callback_deliveries_total", ("outcome", "delivered")));
        Assert.Equal(1, End.Sum("scangate_callback_retries_total"));
    }

    /// <summary>deploy/grafana/scangate-dashboard.json queries only metrics this deployment really exports: every
    /// metric name in its PromQL is a family of the scrapes above (a histogram's _bucket/_sum/_count series by its family).</summary>
    [Fact]
    public void Every_metric_the_grafana_dashboard_queries_is_one_scangate_exports()
    {
        var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root(), "deploy", "grafana", "scangate-dashboard.json"))).RootElement;
        var expressions = dashboard.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()!).ToList();
        Assert.NotEmpty(expressions);
        var exported = scenario.WhileRunning.Families.Union(End.Families).ToHashSet();
        // Metric names are what is left once label matchers ({…}) and grouping clauses (by (…)) are taken out.
        var queried = expressions.Select(e => Regex.Replace(e, @"\{[^}]*\}|\b(by|without)\s*\([^)]*\)", " "))
            .SelectMany(e => Regex.Matches(e, @"\b(scangate|orleans|http|kestrel)_[a-z0-9_]+\b").Select(m => m.Value)).Distinct().ToList();
        Assert.Contains("scangate_scans", queried);
        foreach (var name in queried)
        {
            var family = Regex.Replace(name, "_(bucket|sum|count)$", "");
            Assert.True(exported.Contains(name) || exported.Contains(family), $"the dashboard queries {name}, which /metrics does not export");
        }
    }

    [Fact]
    public void Orleans_own_meters_are_exported_too()
    {
        Assert.Contains(End.Families, f => f.StartsWith("orleans_"));
    }
}
