using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Storage;
using ScanGate.Tests.Api;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Reports;

/// <summary>A real nmap scan in the in-process cluster ends with its reports among its artifacts.</summary>
public sealed class ReportArtifactsOfANmapScanTests : IAsyncLifetime
{
    private ScanCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ScanCluster.StartAsync();
    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_finished_nmap_scan_keeps_sarif_csv_and_html_reports_and_no_sbom()
    {
        using var open = new TcpListener(IPAddress.Loopback, 0);
        open.Start();
        var port = ((IPEndPoint)open.LocalEndpoint).Port;
        var id = await _cluster.StartScanAsync(new { scan_type = "network_discovery", target = $"127.0.0.1:{port}", scan_profile = "port_scan" });
        var done = await _cluster.WaitForEndAsync(id, TimeSpan.FromMinutes(4));
        Assert.Equal(ScanStatus.Completed, done.Status);

        var artifacts = _cluster.SiloServices.GetRequiredService<IArtifactStore>();
        var kept = (await artifacts.ListAsync(id)).ToDictionary(a => a.Name);
        Assert.Equal(ArtifactType.Sarif, kept["report.sarif"].Type);
        Assert.Equal("application/sarif+json", kept["report.sarif"].MediaType);
        Assert.Equal(ArtifactType.Csv, kept["findings.csv"].Type);
        Assert.Equal(ArtifactType.Html, kept["report.html"].Type);
        Assert.InRange(kept["report.sarif"].Size, 500, 1_000_000);
        Assert.InRange(kept["findings.csv"].Size, 200, 1_000_000);
        Assert.InRange(kept["report.html"].Size, 2_000, 1_000_000);
        Assert.DoesNotContain("sbom.cdx.json", kept.Keys);
        Assert.DoesNotContain("sbom.spdx.json", kept.Keys);
        Assert.Contains("nmap.xml", kept.Keys);

        var sarif = Path.Combine(Path.GetTempPath(), $"scangate-e2e-{Guid.NewGuid():N}.sarif");
        try
        {
            await using (var content = await artifacts.OpenAsync(id, "report.sarif"))
            await using (var file = File.Create(sarif))
                await content!.Content.CopyToAsync(file);
            Assert.DoesNotContain(await ReportTools.ValidateSarifAsync(sarif), p => p.Level == "error");
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(sarif));
            var run = Assert.Single(doc.RootElement.GetProperty("runs").EnumerateArray());
            Assert.Equal("nmap", run.GetProperty("tool").GetProperty("driver").GetProperty("name").GetString());
            Assert.Contains(run.GetProperty("results").EnumerateArray(),
                r => r.GetProperty("locations")[0].GetProperty("logicalLocations")[0].GetProperty("name").GetString() == $"127.0.0.1:{port}");
        }
        finally { File.Delete(sarif); }

        await using (var csv = await artifacts.OpenAsync(id, "findings.csv"))
        {
            var lines = (await new StreamReader(csv!.Content).ReadToEndAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(done.Counts.Total + 1, lines.Length);
            Assert.Contains(lines, l => l.Contains($",127.0.0.1,{port},"));
        }
    }
}

/// <summary>Over real HTTP: a scan that found software components keeps SBOMs, and the export endpoint streams
/// CSV, HTML and SARIF with the findings list's filters, inside the caller's organisation only.</summary>
public sealed class ReportExportApiTests : IAsyncLifetime
{
    private ApiHost _host = null!;
    private Tenant _a = null!;
    private Tenant _b = null!;
    private string _scan = "";

    public async Task InitializeAsync()
    {
        _host = await ApiHost.StartAsync();
        _a = await _host.CreateTenantAsync("Acme");
        _b = await _host.CreateTenantAsync("Blue");
        _scan = await ScanWithSeededComponentsAsync();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>A security_headers scan of a local server that answers only once the test has put an SBOM's findings
    /// in the store under the scan, as a component scanner would have: so the scan ends with them.</summary>
    private async Task<string> ScanWithSeededComponentsAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var seeded = new TaskCompletionSource();
        var serving = ServeAfterAsync(listener, seeded.Task);

        using var developer = _host.ClientFor(_a.Keys["developer"]);
        var id = (await ApiHost.PostJsonAsync(developer, "/api/v1/scans", new { scan_type = "security_headers", target = $"http://127.0.0.1:{port}/" }))
            .GetProperty("id").GetString()!;
        var findings = _host.Services.GetRequiredService<IFindingStore>();
        await findings.AddAsync(id, ReportSamples.Sbom(id).Select(f => f with { OrgId = _a.OrgId }).ToList());
        seeded.SetResult();
        await serving;

        var deadline = DateTime.UtcNow.AddMinutes(1);
        while ((await developer.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{id}")).GetProperty("status").GetString() is "queued" or "running")
        {
            Assert.True(DateTime.UtcNow < deadline, "the scan did not finish");
            await Task.Delay(200);
        }
        return id;
    }

    private static async Task ServeAfterAsync(TcpListener listener, Task release)
    {
        using var client = await listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await using var stream = client.GetStream();
        var buffer = new byte[8192];
        var request = new StringBuilder();
        while (!request.ToString().Contains("\r\n\r\n"))
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0) return;
            request.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        await release.WaitAsync(TimeSpan.FromSeconds(30));
        await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"));
    }

    private static Task<JsonElement> ProblemOf(HttpResponseMessage response, HttpStatusCode status) => ArtifactApiTests.ProblemOf(response, status);

    [Fact]
    public async Task A_scan_with_components_keeps_valid_cyclonedx_and_spdx_sboms_among_its_reports()
    {
        using var viewer = _host.ClientFor(_a.Keys["viewer"]);
        var items = (await viewer.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{_scan}/artifacts")).GetProperty("items").EnumerateArray()
            .ToDictionary(i => i.GetProperty("name").GetString()!);
        foreach (var (name, type) in new[] { ("report.sarif", "sarif"), ("findings.csv", "csv"), ("report.html", "html"), ("sbom.cdx.json", "cyclonedx"), ("sbom.spdx.json", "spdx") })
        {
            Assert.Equal(type, items[name].GetProperty("type").GetString());
            Assert.InRange(items[name].GetProperty("size").GetInt64(), 300, 1_000_000);
        }

        using var cdx = await viewer.GetAsync($"/api/v1/scans/{_scan}/artifacts/cyclonedx");
        Assert.Equal("application/vnd.cyclonedx+json", cdx.Content.Headers.ContentType?.MediaType);
        using var bom = JsonDocument.Parse(await cdx.Content.ReadAsStringAsync());
        Assert.Empty(await ReportTools.ValidateCycloneDx15Async(bom.RootElement));
        Assert.Equal(5, bom.RootElement.GetProperty("components").GetArrayLength());
        Assert.Equal(2, bom.RootElement.GetProperty("vulnerabilities").GetArrayLength());
        Assert.Equal(_scan, bom.RootElement.GetProperty("metadata").GetProperty("properties")[0].GetProperty("value").GetString());

        using var spdx = await viewer.GetAsync($"/api/v1/scans/{_scan}/artifacts/spdx");
        Assert.Equal("application/spdx+json", spdx.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await spdx.Content.ReadAsStringAsync());
        Assert.Equal("SPDX-2.3", doc.RootElement.GetProperty("spdxVersion").GetString());
        Assert.Equal(5, doc.RootElement.GetProperty("packages").GetArrayLength());
        Assert.Equal(5, doc.RootElement.GetProperty("relationships").GetArrayLength());
    }

    [Fact]
    public async Task Export_streams_csv_html_and_sarif_with_their_types_and_file_names()
    {
        using var viewer = _host.ClientFor(_a.Keys["viewer"]);
        var total = (await viewer.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{_scan}/findings?limit=1")).GetProperty("total").GetInt32();
        Assert.True(total >= ReportSamples.Sbom(_scan).Count);

        using var csv = await viewer.GetAsync($"/api/v1/scans/{_scan}/findings/export?format=csv", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", csv.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal($"{_scan}.findings.csv", csv.Content.Headers.ContentDisposition?.FileNameStar ?? csv.Content.Headers.ContentDisposition?.FileName);
        var rows = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("id,severity,title,", rows[0]);
        Assert.Equal(total + 1, rows.Length);

        using var html = await viewer.GetAsync($"/api/v1/scans/{_scan}/findings/export?format=html");
        Assert.Equal("text/html", html.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"{_scan}.findings.html", html.Content.Headers.ContentDisposition?.FileNameStar ?? html.Content.Headers.ContentDisposition?.FileName);
        Assert.StartsWith("default-src 'none'", html.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", html.Headers.GetValues("X-Content-Type-Options").Single());
        var page = await html.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script", page, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"{total} findings shown.", page);

        using var sarif = await viewer.GetAsync($"/api/v1/scans/{_scan}/findings/export?format=sarif");
        Assert.Equal("application/sarif+json", sarif.Content.Headers.ContentType?.MediaType);
        var path = Path.Combine(Path.GetTempPath(), $"scangate-export-{Guid.NewGuid():N}.sarif");
        try
        {
            await File.WriteAllBytesAsync(path, await sarif.Content.ReadAsByteArrayAsync());
            Assert.DoesNotContain(await ReportTools.ValidateSarifAsync(path), p => p.Level == "error");
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(path));
            Assert.Equal(total, doc.RootElement.GetProperty("runs").EnumerateArray().Sum(r => r.GetProperty("results").GetArrayLength()));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task Export_applies_the_findings_filters()
    {
        using var viewer = _host.ClientFor(_a.Keys["viewer"]);
        using var high = await viewer.GetAsync($"/api/v1/scans/{_scan}/findings/export?format=csv&min_severity=high");
        var rows = (await high.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Contains(r.Split(',')[1], new[] { "critical", "high" }));

        using var sarif = await viewer.GetAsync($"/api/v1/scans/{_scan}/findings/export?format=sarif&scanner=cdxgen&category=sbom_component");
        using var doc = JsonDocument.Parse(await sarif.Content.ReadAsStringAsync());
        var run = Assert.Single(doc.RootElement.GetProperty("runs").EnumerateArray());
        Assert.Equal("cdxgen", run.GetProperty("tool").GetProperty("driver").GetProperty("name").GetString());
        Assert.Equal(5, run.GetProperty("results").GetArrayLength());

        var bad = await ProblemOf(await viewer.GetAsync($"/api/v1/scans/{_scan}/findings/export?format=csv&severity=dire"), HttpStatusCode.BadRequest);
        Assert.Equal("severity", bad.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Unknown_formats_are_400_and_other_organisations_scans_are_404()
    {
        using var viewer = _host.ClientFor(_a.Keys["viewer"]);
        var unknown = await ProblemOf(await viewer.GetAsync($"/api/v1/scans/{_scan}/findings/export?format=pdf"), HttpStatusCode.BadRequest);
        Assert.Equal("format", unknown.GetProperty("field").GetString());
        Assert.Contains("csv, html, sarif", unknown.GetProperty("detail").GetString());
        await ProblemOf(await viewer.GetAsync($"/api/v1/scans/{_scan}/findings/export"), HttpStatusCode.BadRequest);

        using var other = _host.ClientFor(_b.Keys["admin"]);
        foreach (var format in new[] { "csv", "html", "sarif" })
            await ProblemOf(await other.GetAsync($"/api/v1/scans/{_scan}/findings/export?format={format}"), HttpStatusCode.NotFound);
        await ProblemOf(await viewer.GetAsync($"/api/v1/scans/{Ids.NewScanId()}/findings/export?format=csv"), HttpStatusCode.NotFound);

        var ciKey = (await ApiHost.PostJsonAsync(_host.ClientFor(_a.Keys["admin"]), "/api/v1/apikeys", new { name = "ci", preset = "ci-basic" }))
            .GetProperty("key").GetString();
        using var ci = _host.ClientFor(ciKey);
        await ProblemOf(await ci.GetAsync($"/api/v1/scans/{_scan}/findings/export?format=csv"), HttpStatusCode.Forbidden);
    }
}
