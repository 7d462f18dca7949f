using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Scanners.Catalog;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Compat;

/// <summary>
/// <c>/compat/harborguard</c>: the platform's documented pipeline flow (tests/compat/harborguard-pipeline.sh) with
/// curl and jq against the built ScanGate process, and its documented error codes. The real image scanners cannot be
/// installed on this project's machines, so every scan here runs STAND-IN scanner images (see
/// <see cref="HarborguardProcess"/>): real containers started by ScanGate's own runtime, which write a fixture report in
/// the named tool's format; ScanGate parses, counts and grades it as it would the tool's.
/// </summary>
public sealed class HarborguardCompatTests(HarborguardProcess scangate) : IClassFixture<HarborguardProcess>
{
    private const string Image = "registry.example.test/shop/web:1.4.2";
    private const string Scans = "/compat/harborguard/api/scans";
    private string BaseUrl => scangate.Process.Http.BaseAddress + "compat/harborguard";

    [Fact]
    public async Task Pipeline_with_stand_in_scanner_images_fails_on_critical_vulnerabilities_and_passes_an_sbom_only_scan()
    {
        var (_, key, _) = await scangate.TenantAsync("hg-flow", role: "developer");
        var risky = CompatProcess.RunScriptAsync("harborguard-pipeline.sh", PipelineEnvironment(key, "trivy,dockle"));
        var sbom = CompatProcess.RunScriptAsync("harborguard-pipeline.sh", PipelineEnvironment(key, "syft"));

        // trivy's report has critical vulnerabilities (and dockle's FATAL checks grade compliance D): the job fails.
        var (code, output) = await risky;
        Assert.True(code == 1, output);
        Assert.Contains("critical vulnerabilities, at most 0 allowed", output);
        Assert.Contains("compliance grade D", output);
        Assert.Contains("image policy failed", output);
        await AssertVisibleNativelyAsync(key, output, "completed", ["dockle", "trivy"]);

        // An SBOM alone: components are info, no image-policy check ran (compliance A): the job passes.
        (code, output) = await sbom;
        Assert.True(code == 0, output);
        Assert.Contains("compliance A", output);
        Assert.Contains("image policy passed", output);
        await AssertVisibleNativelyAsync(key, output, "completed", ["syft"]);

        // The policy is the job's: allowing criticals and a D lets the same risky image pass.
        var lenient = new Dictionary<string, string>(PipelineEnvironment(key, "trivy,dockle")) { ["MAX_CRITICAL"] = "1000", ["MIN_COMPLIANCE"] = "D" };
        (code, output) = await CompatProcess.RunScriptAsync("harborguard-pipeline.sh", lenient);
        Assert.True(code == 0, output);
    }

    [Fact]
    public async Task The_documented_workflow_runs_unchanged_and_grades_critical_vulnerabilities_below_B()
    {
        // The document's own scanners (trivy, grype, syft): no image-policy scanner runs, and the stand-in trivy and grype
        // reports hold critical vulnerabilities, so the grade encodes them (D) and the documented gate fails the job.
        var (_, key, _) = await scangate.TenantAsync("hg-doc", role: "developer");
        var (code, output) = await CompatProcess.RunScriptAsync("harborguard-doc-workflow.sh", new Dictionary<string, string>
        {
            ["HARBORGUARD_URL"] = BaseUrl, ["HG_API_KEY"] = key, ["IMAGE"] = Image,
        });
        Assert.True(code == 1, output);
        Assert.Contains("status=COMPLETED", output);
        Assert.Contains("grade D does not meet minimum B", output);
        Assert.Contains("criticals present", output);
        Assert.Contains("gate=1 tightened=1", output);
    }

    [Fact]
    public async Task Keys_in_the_platforms_format_carry_its_roles()
    {
        var (_, admin, _) = await scangate.TenantAsync("hg-keys", preset: "admin");
        using var http = scangate.Client(admin);
        var (status, created) = await CompatProcess.SendAsync(http, HttpMethod.Post, "/compat/harborguard/api/keys", new { name = "ci", role = "viewer" });
        Assert.True(status == HttpStatusCode.Created, created.ToString());
        var viewerKey = created.GetProperty("key").GetString()!;
        Assert.Matches("^hg_live_[a-z0-9]{40}$", viewerKey);
        Assert.Equal("viewer", created.GetProperty("role").GetString());
        // Accepted in both documented headers; a viewer reads but may not scan (403).
        Assert.Equal(HttpStatusCode.NotFound, (await CompatProcess.SendAsync(scangate.Client(viewerKey, "Bearer"), HttpMethod.Get, $"{Scans}/scn_01JZZZZZZZZZZZZZZZZZZZZZZZ")).Status);
        await AssertRefusedAsync(scangate.Client(viewerKey, "x-api-key"), HttpMethod.Post, Scans, new { image = Image, scanners = new[] { "syft" } },
            HttpStatusCode.Forbidden, "Forbidden");
        var (_, developer) = await CompatProcess.SendAsync(http, HttpMethod.Post, "/compat/harborguard/api/keys", new { name = "ci" });
        Assert.Equal("developer", developer.GetProperty("role").GetString());
        Assert.Equal(HttpStatusCode.Accepted, (await CompatProcess.SendAsync(scangate.Client(developer.GetProperty("key").GetString(), "x-api-key"), HttpMethod.Post, Scans,
            new { image = Image, scanners = new[] { "syft" } })).Status);
        Assert.Equal("role", (await AssertRefusedAsync(http, HttpMethod.Post, "/compat/harborguard/api/keys", new { name = "x", role = "owner" },
            HttpStatusCode.BadRequest, "Invalid request")).GetProperty("field").GetString());
        // Revoked: 401.
        Assert.Equal(HttpStatusCode.NoContent, (await CompatProcess.SendAsync(http, HttpMethod.Delete, $"/compat/harborguard/api/keys/{created.GetProperty("id").GetString()}")).Status);
        await AssertRefusedAsync(scangate.Client(viewerKey, "x-api-key"), HttpMethod.Get, $"{Scans}/scn_01JZZZZZZZZZZZZZZZZZZZZZZZ", null, HttpStatusCode.Unauthorized, "Unauthorized");
    }

    [Fact]
    public async Task All_six_stand_in_scanners_complete_and_every_surface_reads_the_same_scan()
    {
        var (_, key, _) = await scangate.TenantAsync("hg-shape", role: "developer");
        using var bearer = scangate.Client(key, "Bearer");
        var (status, queued) = await CompatProcess.SendAsync(bearer, HttpMethod.Post, Scans,
            new { image = Image, scanners = new[] { "trivy", "grype", "syft", "dockle", "osv", "dive" } });
        Assert.Equal(HttpStatusCode.Accepted, status);
        var id = queued.GetProperty("scanId").GetString()!;
        DocumentedShape.Assert(queued, """
            { "scanId": "scan-lq8a4f2x-9k3p1m", "status": "PENDING", "message": "Scan queued for execution", "url": "/dashboard/scans/scan-lq8a4f2x-9k3p1m" }
            """, closed: true);
        Assert.Equal("PENDING", queued.GetProperty("status").GetString());
        Assert.Equal("Scan queued for execution", queued.GetProperty("message").GetString());
        Assert.Equal($"/scans/{id}", queued.GetProperty("url").GetString()); // the console's page of the scan

        var first = await GetAsync(scangate.Client(key), id);
        Assert.Contains(first.GetProperty("status").GetString(), new[] { "PENDING", "IN_PROGRESS", "COMPLETED" });
        var done = await WaitForEndAsync(scangate.Client(key), id);
        DocumentedShape.Assert(done, """
            { "id": "scan-lq8a4f2x-9k3p1m", "status": "COMPLETED", "compliance": "B", "counts": { "critical": 0, "high": 2, "medium": 14, "low": 31 } }
            """);
        Assert.Equal("COMPLETED", done.GetProperty("status").GetString());
        Assert.Equal("D", done.GetProperty("compliance").GetString()); // dockle's FATAL checks
        Assert.Equal(Image, done.GetProperty("image").GetString());

        var (nativeStatus, native) = await CompatProcess.SendAsync(scangate.Client(key), HttpMethod.Get, $"/api/v1/scans/{id}");
        Assert.Equal(HttpStatusCode.OK, nativeStatus);
        Assert.Equal("container_image", native.GetProperty("scan_type").GetString());
        Assert.Equal(Image, native.GetProperty("target").GetString());
        Assert.All(native.GetProperty("scanners").EnumerateArray(), s => Assert.True(s.GetProperty("status").GetString() == "completed", s.ToString()));
        Assert.Equal("D", native.GetProperty("gate").GetProperty("compliance_grade").GetString());
        var counts = done.GetProperty("counts");
        foreach (var severity in new[] { "critical", "high", "medium", "low" })
            Assert.Equal(native.GetProperty("counts").GetProperty(severity).GetInt32(), counts.GetProperty(severity).GetInt32());
        Assert.True(counts.GetProperty("critical").GetInt32() > 0, counts.ToString());

        // Another surface reads it too, in its own words.
        var (offloadStatus, offload) = await CompatProcess.SendAsync(scangate.Client(key), HttpMethod.Get, $"/compat/offload/api/cicd/scans/{id}/status");
        Assert.Equal(HttpStatusCode.OK, offloadStatus);
        Assert.Equal("completed", offload.GetProperty("data").GetProperty("status").GetString());

        // And a scan started natively is read here.
        var (createdStatus, created) = await CompatProcess.SendAsync(scangate.Client(key), HttpMethod.Post, "/api/v1/scans",
            new { scan_type = "container_image", target = Image, scanners = new[] { "syft" } });
        Assert.Equal(HttpStatusCode.Accepted, createdStatus);
        var nativeId = created.GetProperty("id").GetString()!;
        var viaSurface = await WaitForEndAsync(scangate.Client(key), nativeId);
        Assert.Equal(nativeId, viaSurface.GetProperty("id").GetString());
        Assert.Equal("COMPLETED", viaSurface.GetProperty("status").GetString());
        Assert.Equal("A", viaSurface.GetProperty("compliance").GetString());
    }

    [Fact]
    public async Task Documented_error_codes()
    {
        var valid = new { image = Image, scanners = new[] { "syft" } };

        // No key, a key that is not one, an unknown key in either documented header: 401.
        foreach (var client in new[] { scangate.Client(null), scangate.Client("not-a-key", "x-api-key"),
                     scangate.Client(ScanGate.Application.ApiKeys.NewKey(), "x-api-key"), scangate.Client(ScanGate.Application.ApiKeys.NewKey(), "Bearer") })
            await AssertRefusedAsync(client, HttpMethod.Post, Scans, valid, HttpStatusCode.Unauthorized, "Unauthorized");

        // Scanners outside the documented set, or none; an image reference that is not one; fields it does not know.
        var (_, key, _) = await scangate.TenantAsync("hg-validation", role: "developer");
        using var http = scangate.Client(key);
        foreach (var (body, field) in new (object Body, string Field)[]
                 {
                     (new { image = Image, scanners = Array.Empty<string>() }, "scanners"),
                     (new { image = Image, scanners = new[] { "trivy", "clair" } }, "scanners"),
                     (new { image = Image, scanners = "trivy" }, "scanners"),
                     (new { image = Image }, "scanners"),
                     (new { image = "https://registry.example.test/shop/web:1.4.2", scanners = new[] { "trivy" } }, "image"),
                     (new { image = "Shop Web!", scanners = new[] { "trivy" } }, "image"),
                     (new { scanners = new[] { "trivy" } }, "image"),
                     (new { image = Image, scanners = new[] { "trivy" }, registry = "docker.io" }, "registry"),
                 })
            Assert.Equal(field, (await AssertRefusedAsync(http, HttpMethod.Post, Scans, body, HttpStatusCode.BadRequest, $"Invalid {field}")).GetProperty("field").GetString());
        var clair = await AssertRefusedAsync(scangate.Client(key, "Bearer"), HttpMethod.Post, Scans, new { image = Image, scanners = new[] { "clair" } },
            HttpStatusCode.BadRequest, "Invalid scanners");
        Assert.Contains("'clair'", clair.GetProperty("detail").GetString());

        // A viewer's key reads its organisation's scans but does not start scans: 403.
        var (viewerOrg, viewer, _) = await scangate.TenantAsync("hg-viewer", preset: null, scopes: ["scans:read", "findings:read"], role: "viewer");
        var refusal = await AssertRefusedAsync(scangate.Client(viewer), HttpMethod.Post, Scans, valid, HttpStatusCode.Forbidden, "Forbidden");
        Assert.Contains("scans:trigger", refusal.GetProperty("detail").GetString());
        var colleague = (await ApiHost.PostJsonAsync(scangate.Admin, "/api/v1/apikeys", new { name = "ci", preset = "ci-basic", org_id = viewerOrg }))
            .GetProperty("key").GetString()!;
        var (_, ours) = await CompatProcess.SendAsync(scangate.Client(colleague), HttpMethod.Post, Scans, valid);
        Assert.Equal(HttpStatusCode.OK, (await CompatProcess.SendAsync(scangate.Client(viewer), HttpMethod.Get, $"{Scans}/{ours.GetProperty("scanId").GetString()}")).Status);

        // An unknown scan, a malformed id and another organisation's scan: 404 (also for the viewer, who may read).
        var (_, owner, _) = await scangate.TenantAsync("hg-owner", role: "developer");
        var (_, theirs) = await CompatProcess.SendAsync(scangate.Client(owner), HttpMethod.Post, Scans, valid);
        foreach (var id in new[] { "scn_01JZZZZZZZZZZZZZZZZZZZZZZZ", "nope", theirs.GetProperty("scanId").GetString()! })
            await AssertRefusedAsync(scangate.Client(viewer), HttpMethod.Get, $"{Scans}/{id}", null, HttpStatusCode.NotFound, "Scan not found");

        // 10 POSTs a minute per key, whatever their outcome; the 11th is 429 with Retry-After. Reads go on.
        var (_, busy, _) = await scangate.TenantAsync("hg-rate", role: "developer");
        using var busyClient = scangate.Client(busy);
        var (firstStatus, firstScan) = await CompatProcess.SendAsync(busyClient, HttpMethod.Post, Scans, valid);
        Assert.Equal(HttpStatusCode.Accepted, firstStatus);
        for (var i = 0; i < 9; i++)
            Assert.Equal(HttpStatusCode.BadRequest, (await CompatProcess.SendAsync(busyClient, HttpMethod.Post, Scans, new { image = Image, scanners = new[] { "clair" } })).Status);
        using (var eleventh = await busyClient.PostAsync(Scans, new StringContent(JsonSerializer.Serialize(valid), System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, eleventh.StatusCode);
            // The first of the ten leaves the minute a minute after it came, moments ago.
            Assert.True(eleventh.Headers.RetryAfter?.Delta is { TotalSeconds: >= 30 and <= 60 }, eleventh.Headers.ToString());
            var limited = JsonDocument.Parse(await eleventh.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("Rate limit exceeded", limited.GetProperty("error").GetString());
        }
        Assert.Equal(HttpStatusCode.OK, (await CompatProcess.SendAsync(busyClient, HttpMethod.Get, $"{Scans}/{firstScan.GetProperty("scanId").GetString()}")).Status);
        // The limit is the key's: the same request with another key starts a scan (in the Bearer header, which works as well).
        Assert.Equal(HttpStatusCode.Accepted, (await CompatProcess.SendAsync(scangate.Client(owner, "Bearer"), HttpMethod.Post, Scans, valid)).Status);

        // The plan's monthly scan quota spent: 402.
        var (_, small, _) = await scangate.TenantAsync("hg-plan", monthlyQuota: 1, role: "developer");
        using var smallClient = scangate.Client(small);
        Assert.Equal(HttpStatusCode.Accepted, (await CompatProcess.SendAsync(smallClient, HttpMethod.Post, Scans, valid)).Status);
        await AssertRefusedAsync(smallClient, HttpMethod.Post, Scans, valid, HttpStatusCode.PaymentRequired, "Quota exceeded");
    }

    private Dictionary<string, string> PipelineEnvironment(string key, string scanners) => new()
    {
        ["HARBORGUARD_URL"] = BaseUrl, ["HARBORGUARD_API_KEY"] = key, ["IMAGE"] = Image, ["SCANNERS"] = scanners, ["POLL_TIMEOUT"] = "240",
    };

    /// <summary>The scan the script queued, read through the native API.</summary>
    private async Task AssertVisibleNativelyAsync(string key, string output, string status, string[] scanners)
    {
        var id = Regex.Match(output, @"queued scan (scn_\w+)").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(id), output);
        var (code, native) = await CompatProcess.SendAsync(scangate.Client(key), HttpMethod.Get, $"/api/v1/scans/{id}");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(status, native.GetProperty("status").GetString());
        Assert.Equal(scanners, native.GetProperty("scanners").EnumerateArray().Select(s => s.GetProperty("name").GetString()!).Order());
    }

    /// <summary>The call is refused with <paramref name="status"/> and the surface's <paramref name="error"/>; the problem.</summary>
    private static async Task<JsonElement> AssertRefusedAsync(HttpClient http, HttpMethod method, string path, object? body, HttpStatusCode status, string error)
    {
        var (code, problem) = await CompatProcess.SendAsync(http, method, path, body);
        Assert.True(code == status, $"{method} {path} {JsonSerializer.Serialize(body)}: {code} {problem}");
        Assert.Equal(error, problem.GetProperty("error").GetString());
        return problem;
    }

    private static async Task<JsonElement> GetAsync(HttpClient http, string id)
    {
        var (status, body) = await CompatProcess.SendAsync(http, HttpMethod.Get, $"{Scans}/{id}");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return body.GetProperty("data");
    }

    private static async Task<JsonElement> WaitForEndAsync(HttpClient http, string id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        while (true)
        {
            var data = await GetAsync(http, id);
            if (data.GetProperty("status").GetString() is "COMPLETED" or "FAILED") return data;
            Assert.True(data.GetProperty("compliance").ValueKind == JsonValueKind.Null, data.ToString()); // no grade before the end
            Assert.True(DateTime.UtcNow < deadline, $"scan {id} is still {data.GetProperty("status")}");
            await Task.Delay(500);
        }
    }
}

/// <summary>
/// A ScanGate process whose six image scanners are TEST STAND-INS: images <c>scangate-test/&lt;tool&gt;-standin:latest</c>
/// built from tests/compat/standin (debian:trixie-slim, uid 10001) with the tool's fixture, which they copy to the
/// report path of ScanGate's adapter for the tool whatever arguments they get, and scan nothing. The process is
/// pointed at them through <c>ScanGate:Scanners:Overrides:&lt;tool&gt;:Image</c>.
/// </summary>
public sealed class HarborguardProcess() : CompatProcess(StandIns.ToDictionary(s => $"ScanGate__Scanners__Overrides__{s.Tool}__Image", s => Tag(s.Tool)))
{
    /// <summary>Each tool with the fixture it writes (syft's in CycloneDX, the format ScanGate asks syft for).</summary>
    public static readonly (string Tool, string Fixture)[] StandIns =
    [
        ("trivy", "trivy-0.58-image.json"), ("grype", "grype-0.86-image.json"), ("syft", "syft-1.18-image.cyclonedx.json"),
        ("dockle", "dockle-0.4.14.json"), ("osv", "osv-scanner-1.9.json"), ("dive", "dive-0.12-ci.txt"),
    ];

    private const string DigestLabel = "scangate.test.standin-digest";

    public static string Tag(string tool) => $"scangate-test/{tool}-standin:latest";

    public override async Task InitializeAsync()
    {
        var catalog = ScanCatalog.CreateDefault();
        foreach (var (tool, fixture) in StandIns)
        {
            var adapter = (IContainerScanner)catalog.GetScanner(tool);
            var reportPath = adapter.Plan(new RunSpec { ScanId = "scn_STANDIN", Scanner = tool, Target = "registry.example.test/app:1", Profile = "standard" }).ReportPath;
            await EnsureBuiltAsync(tool, Path.Combine(AppContext.BaseDirectory, "Fixtures", fixture), reportPath);
        }
        await base.InitializeAsync();
    }

    /// <summary>Builds the stand-in when it is missing or was built from other files.</summary>
    private static async Task EnsureBuiltAsync(string tool, string fixture, string reportPath)
    {
        var source = Path.Combine(RepositoryRoot(), "tests", "compat", "standin");
        var files = new[] { Path.Combine(source, "Dockerfile"), Path.Combine(source, "entrypoint.sh"), fixture };
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var f in files) sha.AppendData(await File.ReadAllBytesAsync(f));
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes(reportPath));
        var digest = Convert.ToHexStringLower(sha.GetHashAndReset());

        var (code, built, _) = await Proc.RunAsync("docker", "image", "inspect", "--format", $"{{{{index .Config.Labels \"{DigestLabel}\"}}}}", Tag(tool));
        if (code == 0 && built.Trim() == digest) return;

        var context = Directory.CreateTempSubdirectory("scangate-standin-");
        try
        {
            File.Copy(files[0], Path.Combine(context.FullName, "Dockerfile"));
            File.Copy(files[1], Path.Combine(context.FullName, "entrypoint.sh"));
            File.Copy(fixture, Path.Combine(context.FullName, "report"));
            await Proc.RunCheckedAsync("docker", "build", "--network", "host", "-q", "--build-arg", $"REPORT_PATH={reportPath}",
                "--label", $"{DigestLabel}={digest}", "-t", Tag(tool), context.FullName);
        }
        finally { context.Delete(recursive: true); }
    }
}
