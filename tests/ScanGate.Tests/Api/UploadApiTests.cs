using System.Net;
using System.Text;
using System.Text.Json;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Api;

/// <summary>Reports from scanners run elsewhere, uploaded into a scan over real HTTP: they count in its findings
/// and gate, a scan waits for the uploads it expects, and a bad report changes nothing.</summary>
public sealed class UploadApiTests : IAsyncLifetime
{
    private ApiHost _host = null!;
    private HttpClient Http => _host.Http;

    public async Task InitializeAsync() => _host = await ApiHost.StartAsync();
    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    private async Task<string> StartScan(HttpClient http, int expectedUploads)
    {
        var body = JsonSerializer.Serialize(new { scan_type = "network_discovery", target = $"127.0.0.1:{Net.FreePort()}", expected_uploads = expectedUploads, fail_on_severity = "medium" });
        using var r = await http.PostAsync("/api/v1/scans", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        return JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> Scan(HttpClient http, string id) => JsonDocument.Parse(await http.GetStringAsync($"/api/v1/scans/{id}")).RootElement.Clone();

    private static async Task<JsonElement> WaitFor(HttpClient http, string id, Func<JsonElement, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var scan = await Scan(http, id);
            if (condition(scan)) return scan;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what}: {scan}");
            await Task.Delay(200);
        }
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> Upload(HttpClient http, string id, string query, byte[] content)
    {
        using var r = await http.PostAsync($"/api/v1/scans/{id}/uploads?{query}", new ByteArrayContent(content) { Headers = { ContentType = new("application/json") } });
        var text = await r.Content.ReadAsStringAsync();
        return (r.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task A_scan_waits_for_its_expected_upload_which_then_counts_in_its_findings_and_reports()
    {
        var id = await StartScan(Http, expectedUploads: 1);
        // The scanner finishes; the scan keeps waiting for its upload.
        await WaitFor(Http, id, s => s.GetProperty("scanners")[0].GetProperty("status").GetString() == "completed", "the scanner ends");
        await Task.Delay(500);
        Assert.Equal("running", (await Scan(Http, id)).GetProperty("status").GetString());

        var (status, upload) = await Upload(Http, id, "format=cyclonedx&tool=cdxgen", await File.ReadAllBytesAsync(Fixture("cdxgen-12.8-npm-lock.json")));
        Assert.True(status == HttpStatusCode.Created, upload.ToString());
        Assert.Equal(1, upload.GetProperty("uploads").GetInt32());
        var components = upload.GetProperty("findings").GetInt32();
        Assert.True(components >= 3, upload.ToString());

        var done = await WaitFor(Http, id, s => s.GetProperty("status").GetString() == "completed", "the scan ends once its upload came");
        var findings = JsonDocument.Parse(await Http.GetStringAsync($"/api/v1/scans/{id}/findings?category=sbom_component&limit=200")).RootElement;
        Assert.Equal(components, findings.GetProperty("total").GetInt32());
        var counts = done.GetProperty("counts");
        Assert.True(counts.GetProperty("info").GetInt32() >= components, done.ToString()); // the components, and nmap's own
        Assert.Contains(findings.GetProperty("items").EnumerateArray(), f => f.GetProperty("location").GetProperty("package").GetString() == "left-pad"
            && f.GetProperty("scanner").GetString() == "cdxgen");
        // The SBOM made from the uploaded components is among the scan's reports.
        var artifacts = JsonDocument.Parse(await Http.GetStringAsync($"/api/v1/scans/{id}/artifacts")).RootElement;
        Assert.Contains(artifacts.GetProperty("items").EnumerateArray(), a => a.GetProperty("type").GetString() == "cyclonedx");

        // A scan that is over takes no more uploads.
        var (late, _) = await Upload(Http, id, "format=cyclonedx", await File.ReadAllBytesAsync(Fixture("cdxgen-12.8-npm-lock.json")));
        Assert.Equal(HttpStatusCode.Conflict, late);
    }

    [Fact]
    public async Task A_bad_upload_is_a_problem_that_stores_nothing()
    {
        var id = await StartScan(Http, expectedUploads: 1);
        var whole = await File.ReadAllBytesAsync(Fixture("syft-1.18-image.json"));
        var (cut, cutBody) = await Upload(Http, id, "format=syft", whole[..(whole.Length / 2)]);
        Assert.Equal(HttpStatusCode.BadRequest, cut);
        Assert.Contains("could not be read whole", cutBody.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await Upload(Http, id, "format=pdf", whole)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Upload(Http, id, "", whole)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Upload(Http, id, "format=syft&tool=../../x", whole)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Upload(Http, id, "format=syft&category=weird", whole)).Status);
        Assert.Equal(0, (await Scan(Http, id)).GetProperty("uploads").GetInt32());
        var findings = JsonDocument.Parse(await Http.GetStringAsync($"/api/v1/scans/{id}/findings?category=sbom_component")).RootElement;
        Assert.Equal(0, findings.GetProperty("total").GetInt32());

        // Another organisation cannot upload into this scan.
        var other = await _host.CreateTenantAsync("UploadOther");
        using var otherHttp = _host.ClientFor(other.Keys["developer"]);
        Assert.Equal(HttpStatusCode.NotFound, (await Upload(otherHttp, id, "format=syft", whole)).Status);

        // The whole report is taken.
        var (ok, good) = await Upload(Http, id, "format=syft", whole);
        Assert.True(ok == HttpStatusCode.Created, good.ToString());
        await WaitFor(Http, id, s => s.GetProperty("status").GetString() == "completed", "the scan ends");
    }

    [Fact]
    public async Task A_scan_whose_uploads_never_come_ends_when_the_wait_runs_out_and_fails_its_gate()
    {
        await using var host = await ApiHost.StartAsync("--ScanGate:Uploads:WaitMinutes", "0");
        var id = await StartScan(host.Http, expectedUploads: 2);
        var done = await WaitFor(host.Http, id, s => s.GetProperty("status").GetString() is "completed" or "failed", "the scan ends");
        Assert.False(done.GetProperty("gate_passed").GetBoolean());
        Assert.Contains(done.GetProperty("gate").GetProperty("reasons").EnumerateArray(), r => r.GetString()!.Contains("expected 2 uploads but 0 came"));
    }

    [Fact]
    public async Task Sarif_from_a_scanner_run_elsewhere_counts_in_the_gate_by_its_category()
    {
        var sarif = await File.ReadAllBytesAsync(Fixture("eslint-9.39.sarif"));
        var body = JsonSerializer.Serialize(new { scan_type = "network_discovery", target = $"127.0.0.1:{Net.FreePort()}", expected_uploads = 1, fail_on_severity = "medium" });
        using var created = await Http.PostAsync("/api/v1/scans", new StringContent(body, Encoding.UTF8, "application/json"));
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;

        var (status, upload) = await Upload(Http, id, "format=sarif&tool=eslint", sarif);
        Assert.True(status == HttpStatusCode.Created, upload.ToString());
        var done = await WaitFor(Http, id, s => s.GetProperty("status").GetString() == "completed", "the scan ends");
        var sast = JsonDocument.Parse(await Http.GetStringAsync($"/api/v1/scans/{id}/findings?category=sast&limit=100")).RootElement;
        Assert.Equal(upload.GetProperty("findings").GetInt32(), sast.GetProperty("total").GetInt32());
        Assert.True(sast.GetProperty("total").GetInt32() > 0);
        // eslint-plugin-security's warnings are medium: at the threshold, so the gate fails on them.
        Assert.False(done.GetProperty("gate_passed").GetBoolean(), done.ToString());
    }

    [Fact]
    public async Task A_scan_of_uploaded_results_only_runs_no_scanner_and_completes_with_its_upload()
    {
        var refused = JsonSerializer.Serialize(new { scan_type = "container_image", target = "registry.example.test/shop/web:1.4.2", scanners = Array.Empty<string>() });
        using (var r = await Http.PostAsync("/api/v1/scans", new StringContent(refused, Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode); // nothing to run and nothing to wait for

        var body = JsonSerializer.Serialize(new { scan_type = "container_image", target = "registry.example.test/shop/web:1.4.2", scanners = Array.Empty<string>(), expected_uploads = 1 });
        using var created = await Http.PostAsync("/api/v1/scans", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        await WaitFor(Http, id, s => s.GetProperty("status").GetString() == "running", "the scan waits for its upload");
        Assert.Empty((await Scan(Http, id)).GetProperty("scanners").EnumerateArray());

        var (status, upload) = await Upload(Http, id, "format=syft", await File.ReadAllBytesAsync(Fixture("syft-1.18-image.json")));
        Assert.True(status == HttpStatusCode.Created, upload.ToString());
        var done = await WaitFor(Http, id, s => s.GetProperty("status").GetString() is "completed" or "failed", "the scan ends");
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.True(done.GetProperty("counts").GetProperty("info").GetInt32() > 0);
    }
}
