using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ScanGate.Api.Auth;
using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Storage;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Api;

/// <summary>Listing and downloading a scan's artifacts over real HTTP; the artifacts are put straight into the
/// host's store, as a scanner run puts them.</summary>
public sealed class ArtifactApiTests : IAsyncLifetime
{
    private ApiHost _host = null!;
    private Tenant _a = null!;
    private Tenant _b = null!;
    private string _scan = "";
    private HttpClient _viewer = null!;

    private static readonly byte[] NmapXml = Encoding.UTF8.GetBytes("<?xml version=\"1.0\"?><nmaprun></nmaprun>");
    private static readonly byte[] TestsslJson = Encoding.UTF8.GetBytes("""[{"id":"scanTime","severity":"INFO"}]""");
    private static readonly byte[] Sarif = Encoding.UTF8.GetBytes("""{"version":"2.1.0","runs":[]}""");

    public async Task InitializeAsync()
    {
        _host = await ApiHost.StartAsync();
        _a = await _host.CreateTenantAsync("Acme");
        _b = await _host.CreateTenantAsync("Blue");
        _viewer = _host.ClientFor(_a.Keys["viewer"]);
        _scan = await FinishedScanAsync(_host, _host.ClientFor(_a.Keys["developer"]));
        var store = _host.Services.GetRequiredService<IArtifactStore>();
        await store.PutAsync(_scan, ArtifactDescriptor.RawReport("nmap", "/out/report.xml"), new MemoryStream(NmapXml));
        await store.PutAsync(_scan, ArtifactDescriptor.RawReport("testssl", "/out/report.json"), new MemoryStream(TestsslJson));
        // Replaces the SARIF report the scan kept when it ended: one artifact of the type, known bytes.
        await store.PutAsync(_scan, new ArtifactDescriptor("report.sarif", ArtifactType.Sarif, "application/sarif+json"), new MemoryStream(Sarif));
    }

    public async Task DisposeAsync()
    {
        _viewer.Dispose();
        await _host.DisposeAsync();
    }

    /// <summary>A security_headers scan of the host itself, run to its end, so that whatever the run stores is in place
    /// before the test adds its own artifacts.</summary>
    internal static async Task<string> FinishedScanAsync(ApiHost host, HttpClient client)
    {
        var target = new Uri(host.BaseAddress, "/healthz").ToString();
        var id = (await ApiHost.PostJsonAsync(client, "/api/v1/scans", new { scan_type = "security_headers", target })).GetProperty("id").GetString()!;
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while ((await client.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{id}")).GetProperty("status").GetString() is "queued" or "running")
        {
            Assert.True(DateTime.UtcNow < deadline, "the scan did not finish");
            await Task.Delay(200);
        }
        return id;
    }

    private static string Sha256Of(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    internal static async Task<JsonElement> ProblemOf(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task Lists_the_artifacts_with_their_metadata_and_download_urls()
    {
        var items = (await _viewer.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{_scan}/artifacts")).GetProperty("items").EnumerateArray()
            .ToDictionary(i => i.GetProperty("name").GetString()!);

        var nmap = items["nmap.xml"];
        Assert.Equal("raw_report", nmap.GetProperty("type").GetString());
        Assert.Equal("application/xml", nmap.GetProperty("media_type").GetString());
        Assert.Equal(NmapXml.Length, nmap.GetProperty("size").GetInt64());
        Assert.Equal(Sha256Of(NmapXml), nmap.GetProperty("sha256").GetString());
        Assert.InRange(nmap.GetProperty("created_at").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-2), DateTimeOffset.UtcNow.AddSeconds(1));
        // Raw reports are one per scanner, so their URLs name them; a type the scan has once needs no name.
        Assert.Equal($"/api/v1/scans/{_scan}/artifacts/raw_report?name=nmap.xml", nmap.GetProperty("url").GetString());
        Assert.Equal($"/api/v1/scans/{_scan}/artifacts/raw_report?name=testssl.json", items["testssl.json"].GetProperty("url").GetString());
        Assert.Equal($"/api/v1/scans/{_scan}/artifacts/sarif", items["report.sarif"].GetProperty("url").GetString());
    }

    [Fact]
    public async Task Downloads_stream_the_bytes_with_their_type_file_name_length_and_digest()
    {
        using var sarif = await _viewer.GetAsync($"/api/v1/scans/{_scan}/artifacts/sarif");
        Assert.Equal(HttpStatusCode.OK, sarif.StatusCode);
        Assert.Equal("application/sarif+json", sarif.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", sarif.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("report.sarif", sarif.Content.Headers.ContentDisposition?.FileNameStar ?? sarif.Content.Headers.ContentDisposition?.FileName);
        Assert.Equal(Sarif.Length, sarif.Content.Headers.ContentLength);
        Assert.Equal($"\"{Sha256Of(Sarif)}\"", sarif.Headers.ETag?.Tag);
        Assert.Equal(Sarif, await sarif.Content.ReadAsByteArrayAsync());

        using var nmap = await _viewer.GetAsync($"/api/v1/scans/{_scan}/artifacts/raw_report?name=nmap.xml");
        Assert.Equal("application/xml", nmap.Content.Headers.ContentType?.MediaType);
        Assert.Equal(NmapXml, await nmap.Content.ReadAsByteArrayAsync());

        // Larger than many chunks and several grain messages.
        var big = RandomNumberGenerator.GetBytes(5 * 1024 * 1024 + 123);
        await _host.Services.GetRequiredService<IArtifactStore>().PutAsync(_scan,
            new ArtifactDescriptor("sbom.cdx.json", ArtifactType.Cyclonedx, "application/vnd.cyclonedx+json"), new MemoryStream(big));
        using var sbom = await _viewer.GetAsync($"/api/v1/scans/{_scan}/artifacts/cyclonedx", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(big.Length, sbom.Content.Headers.ContentLength);
        Assert.Equal(big, await sbom.Content.ReadAsByteArrayAsync());

        // A client that has it already gets 304 and no body.
        var again = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/scans/{_scan}/artifacts/sarif");
        again.Headers.IfNoneMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue($"\"{Sha256Of(Sarif)}\""));
        using var notModified = await _viewer.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Several_raw_reports_and_no_name_is_a_400_listing_the_names()
    {
        using var response = await _viewer.GetAsync($"/api/v1/scans/{_scan}/artifacts/raw_report");
        var problem = await ProblemOf(response, HttpStatusCode.BadRequest);
        Assert.Equal("name", problem.GetProperty("field").GetString());
        Assert.Equal(["nmap.xml", "testssl.json"], problem.GetProperty("names").EnumerateArray().Select(n => n.GetString()));
        Assert.Contains("nmap.xml, testssl.json", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Unknown_types_absent_artifacts_and_unknown_scans_are_404_problems()
    {
        var unknownType = await ProblemOf(await _viewer.GetAsync($"/api/v1/scans/{_scan}/artifacts/pdf"), HttpStatusCode.NotFound);
        Assert.Contains("raw_report, log, sarif, cyclonedx, spdx, csv, html", unknownType.GetProperty("detail").GetString());
        await ProblemOf(await _viewer.GetAsync($"/api/v1/scans/{_scan}/artifacts/spdx"), HttpStatusCode.NotFound);
        await ProblemOf(await _viewer.GetAsync($"/api/v1/scans/{_scan}/artifacts/raw_report?name=gitleaks.json"), HttpStatusCode.NotFound);
        await ProblemOf(await _viewer.GetAsync($"/api/v1/scans/{_scan}/artifacts/sarif?name=nmap.xml"), HttpStatusCode.NotFound); // a name of another type
        await ProblemOf(await _viewer.GetAsync($"/api/v1/scans/{Ids.NewScanId()}/artifacts"), HttpStatusCode.NotFound);
        await ProblemOf(await _viewer.GetAsync($"/api/v1/scans/{Ids.NewScanId()}/artifacts/sarif"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Another_organisations_scan_has_no_artifacts_to_see_and_reading_them_needs_findings_read()
    {
        using var other = _host.ClientFor(_b.Keys["admin"]);
        await ProblemOf(await other.GetAsync($"/api/v1/scans/{_scan}/artifacts"), HttpStatusCode.NotFound);
        await ProblemOf(await other.GetAsync($"/api/v1/scans/{_scan}/artifacts/sarif"), HttpStatusCode.NotFound);
        await ProblemOf(await other.GetAsync($"/api/v1/scans/{_scan}/artifacts/raw_report?name=nmap.xml"), HttpStatusCode.NotFound);

        var ciKey = (await ApiHost.PostJsonAsync(_host.ClientFor(_a.Keys["admin"]), "/api/v1/apikeys", new { name = "ci", preset = "ci-basic" }))
            .GetProperty("key").GetString();
        using var ci = _host.ClientFor(ciKey);
        var forbidden = await ProblemOf(await ci.GetAsync($"/api/v1/scans/{_scan}/artifacts"), HttpStatusCode.Forbidden);
        Assert.Contains(Scopes.FindingsRead, forbidden.GetProperty("detail").GetString());
    }
}

/// <summary>An API node that is only an Orleans client serves artifacts from the silos' PostgreSQL store.</summary>
public sealed class ArtifactApiNodeTests
{
    [Fact]
    public async Task An_api_node_lists_and_streams_artifacts_it_has_no_store_for()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        var adminKey = ApiKeys.NewKey();
        string[] common = ["--ConnectionStrings:Postgres", db.ConnectionString, "--ScanGate:Orleans:ClusterId", "art-" + Guid.NewGuid().ToString("N")[..8]];
        await using var silo = await ApiHost.StartWithKeyAsync(adminKey, null,
            [.. common, "--ScanGate:Storage:Provider", "postgres", "--ScanGate:Orleans:Clustering", "postgres"]);
        await using var api = await ApiHost.StartWithKeyAsync(adminKey, null, [.. common, "--ScanGate:Orleans:Role", "api"]);
        Assert.Null(api.Services.GetService<IArtifactStore>()); // what it serves comes through the grain

        var scan = await ArtifactApiTests.FinishedScanAsync(silo, api.Http);
        var report = RandomNumberGenerator.GetBytes(3 * 1024 * 1024);
        var store = silo.Services.GetRequiredService<IArtifactStore>();
        Assert.IsNotType<InMemoryArtifactStore>(store); // artifacts follow findings to PostgreSQL
        await store.PutAsync(scan, ArtifactDescriptor.RawReport("nmap", "/out/report.xml"), new MemoryStream(report));

        var item = (await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{scan}/artifacts")).GetProperty("items").EnumerateArray()
            .Single(i => i.GetProperty("name").GetString() == "nmap.xml");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(report)), item.GetProperty("sha256").GetString());
        using var download = await api.Http.GetAsync(item.GetProperty("url").GetString(), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(report, await download.Content.ReadAsByteArrayAsync());

        // The scan's reports were kept in the silos' store, and an export reads the findings through the scan grain.
        Assert.Contains("report.sarif", (await store.ListAsync(scan)).Select(a => a.Name));
        using var export = await api.Http.GetAsync($"/api/v1/scans/{scan}/findings/export?format=csv");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.StartsWith("id,severity,title,", await export.Content.ReadAsStringAsync());
    }
}
