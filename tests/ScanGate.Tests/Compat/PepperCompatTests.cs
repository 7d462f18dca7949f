using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Compat;

/// <summary><c>/compat/pepper</c>: the platform's documented pipeline flow (tests/compat/pepper-pipeline.sh) with curl and
/// jq against the built ScanGate process and real gitleaks scans of repositories served on loopback, uploaded sources,
/// pre-commit checks, webhooks, and the rest of the platform API with its documented codes.</summary>
public sealed class PepperCompatTests(CompatProcess scangate) : IClassFixture<CompatProcess>
{
    private const string Api = "/compat/pepper/api";
    private static readonly TimeSpan ScanTimeout = TimeSpan.FromMinutes(3);
    private static readonly string[] Terminal = ["COMPLETED", "FAILED", "STOPPED", "CANCELLED"];

    private string BaseUrl => scangate.Process.Http.BaseAddress + "compat/pepper";

    private async Task<(string OrgId, HttpClient Client, string Key)> TenantAsync(string name, string preset = "admin", int monthlyQuota = 1000,
        int ratePerMinute = 600, string[]? scopes = null)
    {
        var (orgId, key, _) = await scangate.TenantAsync(name, scopes is null ? preset : null, scopes, monthlyQuota, ratePerMinute);
        return (orgId, scangate.Client(key, "Bearer"), key);
    }

    internal static Task<(HttpStatusCode Status, JsonElement Body)> Send(HttpClient http, HttpMethod method, string path, object? body = null) =>
        CompatProcess.SendAsync(http, method, path, body);

    internal static async Task<JsonElement> WaitForEndAsync(HttpClient http, string scanId)
    {
        var deadline = DateTime.UtcNow + ScanTimeout;
        while (true)
        {
            var (status, scan) = await Send(http, HttpMethod.Get, $"{Api}/scans/{scanId}");
            Assert.Equal(HttpStatusCode.OK, status);
            if (Terminal.Contains(scan.GetProperty("status").GetString())) return scan;
            Assert.True(DateTime.UtcNow < deadline, $"scan {scanId} still {scan.GetProperty("status")} after {ScanTimeout}");
            await Task.Delay(500);
        }
    }

    [Fact]
    public async Task The_documented_pipeline_passes_a_clean_repository_and_fails_one_with_a_planted_key()
    {
        var (_, _, key) = await TenantAsync("pepper-flow", preset: "ci-basic");
        await using var clean = await GitRepositoryServer.StartAsync(plantSecret: false);
        var (code, output) = await CompatProcess.RunScriptAsync("pepper-pipeline.sh", new Dictionary<string, string>
        {
            ["PEPPER_URL"] = BaseUrl, ["PEPPER_API_KEY"] = key, ["REPO_URL"] = clean.Url, ["COMMIT_SHA"] = await clean.RevParseAsync("HEAD"),
        });
        Assert.True(code == 0, output);
        Assert.Contains("status: COMPLETED, gate: PASSED", output);
        Assert.Contains("security gate passed", output);

        await using var leaky = await GitRepositoryServer.StartAsync();
        (code, output) = await CompatProcess.RunScriptAsync("pepper-pipeline.sh", new Dictionary<string, string>
        {
            ["PEPPER_URL"] = BaseUrl, ["PEPPER_API_KEY"] = key, ["REPO_URL"] = leaky.Url, ["FAIL_ON"] = "HIGH",
        });
        Assert.True(code == 1, output);
        Assert.Contains("gate: FAILED, critical: 0, high: 1", output);
        Assert.Contains("security gate failed", output);
    }

    [Fact]
    public async Task A_started_scan_answers_in_the_documented_shape_and_is_visible_natively_and_in_the_list()
    {
        var (_, http, _) = await TenantAsync("pepper-shape");
        await using var clean = await GitRepositoryServer.StartAsync(plantSecret: false);
        var head = await clean.RevParseAsync("HEAD");
        var (status, started) = await Send(http, HttpMethod.Post, $"{Api}/scans",
            new { repoUrl = clean.Url, scanType = "SECRETS_ONLY", branch = "main", commitSha = head, failOn = "high" });
        Assert.Equal(HttpStatusCode.Created, status);
        DocumentedShape.Assert(started, """{ "scanId": "cl…", "projectId": "cl…", "status": "QUEUED" }""");
        var id = started.GetProperty("scanId").GetString()!;
        Assert.Equal("QUEUED", started.GetProperty("status").GetString());
        Assert.Equal("app", started.GetProperty("projectId").GetString()); // made from the repository's name

        var scan = await WaitForEndAsync(http, id);
        Assert.Equal("COMPLETED", scan.GetProperty("status").GetString());
        Assert.Equal("PASSED", scan.GetProperty("gateResult").GetString());
        Assert.Equal("SECRETS_ONLY", scan.GetProperty("scanType").GetString());
        Assert.Equal("HIGH", scan.GetProperty("failOn").GetString());
        Assert.Equal(0, scan.GetProperty("criticalCount").GetInt32());
        Assert.Equal(0, scan.GetProperty("highCount").GetInt32());
        Assert.Equal(head, scan.GetProperty("commitSha").GetString());
        Assert.Equal(id, scan.GetProperty("id").GetString());
        DocumentedShape.Assert(scan, """
            { "id": "…", "status": "RUNNING", "gateResult": "PASSED", "criticalCount": 0, "highCount": 3,
              "scannerProgress": { "GITLEAKS": { "status": "RUNNING", "filesCompleted": 12, "filesTotal": 88 } } }
            """);
        Assert.Contains(scan.GetProperty("gateResult").GetString(), new[] { "PASSED", "FAILED", "PENDING" });
        var gitleaks = scan.GetProperty("scannerProgress").GetProperty("GITLEAKS");
        Assert.Equal("COMPLETED", gitleaks.GetProperty("status").GetString());
        Assert.Equal(gitleaks.GetProperty("filesTotal").GetInt32(), gitleaks.GetProperty("filesCompleted").GetInt32());

        // The same scan natively, and in this surface's list with its filters.
        var (nativeStatus, native) = await Send(http, HttpMethod.Get, $"/api/v1/scans/{id}");
        Assert.Equal(HttpStatusCode.OK, nativeStatus);
        Assert.Equal("secret_scan", native.GetProperty("scan_type").GetString());
        Assert.Equal(head, native.GetProperty("commit").GetString());
        var (listStatus, list) = await Send(http, HttpMethod.Get, $"{Api}/scans?projectId=app&status=COMPLETED&limit=5");
        Assert.Equal(HttpStatusCode.OK, listStatus);
        Assert.Contains(list.GetProperty("scans").EnumerateArray(), s => s.GetProperty("scanId").GetString() == id && s.GetProperty("gateResult").GetString() == "PASSED");
        Assert.Empty((await Send(http, HttpMethod.Get, $"{Api}/scans?status=RUNNING&projectId=app")).Body.GetProperty("scans").EnumerateArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(http, HttpMethod.Get, $"{Api}/scans?status=SLEEPING")).Status);

        // Artifacts: the list, the log, and the export formats.
        var (artifactsStatus, artifacts) = await Send(http, HttpMethod.Get, $"{Api}/scans/{id}/artifacts");
        DocumentedShape.Assert(artifacts, """{ "artifacts": [ { "type": "SBOM_CYCLONEDX", "size": 12453, "downloadPath": "..." } ] }""");
        Assert.Equal(HttpStatusCode.OK, artifactsStatus);
        var log = Assert.Single(artifacts.GetProperty("artifacts").EnumerateArray(), a => a.GetProperty("type").GetString() == "SCAN_LOG");
        Assert.Equal($"{Api}/scans/{id}/artifacts/log", log.GetProperty("downloadPath").GetString());
        Assert.True(log.GetProperty("size").GetInt64() > 0);
        // The documented types only: a gitleaks scan has no container report, and signing is not supported (501).
        Assert.All(artifacts.GetProperty("artifacts").EnumerateArray(), a => Assert.Contains(a.GetProperty("type").GetString(),
            new[] { "SARIF", "SBOM_CYCLONEDX", "SBOM_SPDX", "SCAN_LOG", "CONTAINER_REPORT", "DAST_REPORT", "SIGNATURE" }));
        Assert.Equal(HttpStatusCode.NotFound, (await Send(http, HttpMethod.Get, $"{Api}/scans/{id}/artifacts/container")).Status);
        Assert.Equal(HttpStatusCode.NotImplemented, (await Send(http, HttpMethod.Get, $"{Api}/scans/{id}/artifacts/signature")).Status);
        using (var response = await http.GetAsync($"{Api}/scans/{id}/artifacts/log"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("[gitleaks]", await response.Content.ReadAsStringAsync());
        }
        Assert.Equal(HttpStatusCode.NotFound, (await Send(http, HttpMethod.Get, $"{Api}/scans/{id}/artifacts/pdf")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(http, HttpMethod.Get, $"{Api}/scans/{id}/findings/export?format=xlsx")).Status);
        using (var csv = await http.GetAsync($"{Api}/scans/{id}/findings/export?format=csv"))
        {
            // The CSV report kept with the scan when it ended.
            Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
            Assert.StartsWith("text/csv", csv.Content.Headers.ContentType!.ToString());
        }
    }

    [Fact]
    public async Task Documented_error_codes()
    {
        var start = new { repoUrl = "git://127.0.0.1:9/nothing.git", scanType = "SECRETS_ONLY" };
        // No key, a key that is not one, and the key in a header this surface does not read: 401.
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(scangate.Client(null), HttpMethod.Post, $"{Api}/scans", start)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(scangate.Client(ScanGate.Application.ApiKeys.NewKey(), "Bearer"), HttpMethod.Post, $"{Api}/scans", start)).Status);
        var (orgA, a, keyA) = await TenantAsync("pepper-errors");
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(scangate.Client(keyA, "X-API-Key"), HttpMethod.Get, $"{Api}/scans")).Status);

        // A key without the scope: 403 naming it.
        var (_, readOnly, _) = await TenantAsync("pepper-readonly", scopes: ["scans:read"]);
        var (scopeStatus, scopeBody) = await Send(readOnly, HttpMethod.Post, $"{Api}/scans", start);
        Assert.Equal(HttpStatusCode.Forbidden, scopeStatus);
        Assert.Contains("scans:trigger", scopeBody.GetProperty("detail").GetString());

        // An unknown scan type; a field that does not belong to the type; a bad commit id named in this surface's words.
        var (badStatus, bad) = await Send(a, HttpMethod.Post, $"{Api}/scans", new { repoUrl = "git://127.0.0.1:9/x.git", scanType = "QUANTUM_ONLY" });
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.Equal("Unknown scanType", bad.GetProperty("error").GetString());
        Assert.Equal("scanType", bad.GetProperty("field").GetString());
        var (imageStatus, image) = await Send(a, HttpMethod.Post, $"{Api}/scans", new { image = "alpine:3", scanType = "SECRETS_ONLY" });
        Assert.Equal(HttpStatusCode.BadRequest, imageStatus);
        Assert.Equal("image", image.GetProperty("field").GetString());
        var (shaStatus, sha) = await Send(a, HttpMethod.Post, $"{Api}/scans", new { repoUrl = "git://127.0.0.1:9/x.git", scanType = "SECRETS_ONLY", commitSha = "not-a-sha" });
        Assert.Equal(HttpStatusCode.BadRequest, shaStatus);
        Assert.Equal("commitSha", sha.GetProperty("field").GetString());
        var (incStatus, inc) = await Send(a, HttpMethod.Post, $"{Api}/scans", new { repoUrl = "git://127.0.0.1:9/x.git", scanType = "INCREMENTAL", baseSha = "abcdef1" });
        Assert.Equal(HttpStatusCode.BadRequest, incStatus);
        Assert.Equal("projectId", inc.GetProperty("field").GetString());

        // A scan type whose native scan type this deployment does not offer (yet): 400 naming it.
        var (_, types) = await Send(a, HttpMethod.Get, "/api/v1/scan-types");
        var offered = types.EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToHashSet();
        if (ScanGate.Api.Compat.Pepper.PepperScanTypes.Table.FirstOrDefault(t => !offered.Contains(t.NativeType)) is { } missing)
        {
            var (naStatus, na) = await Send(a, HttpMethod.Post, $"{Api}/scans", new { repoUrl = "git://127.0.0.1:9/x.git", scanType = missing.Word });
            Assert.Equal(HttpStatusCode.BadRequest, naStatus);
            Assert.Contains($"'{missing.NativeType}'", na.GetProperty("detail").GetString());
        }

        // Another organisation's scan is 403 here (404 natively); a scan that does not exist is 404.
        var (_, b, _) = await TenantAsync("pepper-errors-b");
        var (startedStatus, started) = await Send(a, HttpMethod.Post, $"{Api}/scans", start);
        Assert.Equal(HttpStatusCode.Created, startedStatus);
        var scanOfA = started.GetProperty("scanId").GetString();
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(b, HttpMethod.Get, $"{Api}/scans/{scanOfA}")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(b, HttpMethod.Post, $"{Api}/scans/{scanOfA}/cancel")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(b, HttpMethod.Get, $"{Api}/scans/{scanOfA}/artifacts")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(b, HttpMethod.Get, $"/api/v1/scans/{scanOfA}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(b, HttpMethod.Get, $"{Api}/scans/scn_01ARZ3NDEKTSV4RRFFQ69G5FAV")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(b, HttpMethod.Get, $"{Api}/scans/nothing")).Status);
        _ = orgA;

        // The rate limit: 429 with Retry-After.
        var (_, slow, _) = await TenantAsync("pepper-rate", ratePerMinute: 2);
        HttpResponseMessage? last = null;
        for (var i = 0; i < 4; i++) { last?.Dispose(); last = await slow.GetAsync($"{Api}/scans"); }
        Assert.Equal(HttpStatusCode.TooManyRequests, last!.StatusCode);
        Assert.True(last.Headers.RetryAfter is not null);
        last.Dispose();

        // The plan's monthly quota spent: 402.
        var (_, small, _) = await TenantAsync("pepper-plan", monthlyQuota: 1);
        Assert.Equal(HttpStatusCode.Created, (await Send(small, HttpMethod.Post, $"{Api}/scans", start)).Status);
        var (planStatus, plan) = await Send(small, HttpMethod.Post, $"{Api}/scans", start);
        Assert.Equal(HttpStatusCode.PaymentRequired, planStatus);
        Assert.Equal("Plan limit reached", plan.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Lifecycle_commands_map_to_the_scan_and_refuse_what_its_state_does_not_allow()
    {
        var (_, http, _) = await TenantAsync("pepper-lifecycle");
        await using var git = await GitRepositoryServer.StartAsync(plantSecret: false);
        var (_, started) = await Send(http, HttpMethod.Post, $"{Api}/scans", new { repoUrl = git.Url, scanType = "SECRETS_ONLY" });
        var id = started.GetProperty("scanId").GetString()!;
        var (cancelStatus, cancelled) = await Send(http, HttpMethod.Post, $"{Api}/scans/{id}/cancel");
        Assert.Equal(HttpStatusCode.OK, cancelStatus);
        Assert.Equal("CANCELLED", cancelled.GetProperty("status").GetString());
        Assert.Equal("FAILED", cancelled.GetProperty("gateResult").GetString());
        var (pauseStatus, pause) = await Send(http, HttpMethod.Post, $"{Api}/scans/{id}/pause");
        Assert.Equal(HttpStatusCode.Conflict, pauseStatus);
        Assert.False(string.IsNullOrEmpty(pause.GetProperty("detail").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await Send(http, HttpMethod.Post, $"{Api}/scans/{id}/explode")).Status);

        var (rescanStatus, rescan) = await Send(http, HttpMethod.Post, $"{Api}/scans/{id}/rescan");
        Assert.Equal(HttpStatusCode.Created, rescanStatus);
        Assert.Equal(id, rescan.GetProperty("rescanOf").GetString());
        var again = await WaitForEndAsync(http, rescan.GetProperty("scanId").GetString()!);
        Assert.Equal("PASSED", again.GetProperty("gateResult").GetString());
        Assert.Equal(again.GetProperty("scanId").GetString(), (await Send(http, HttpMethod.Get, $"{Api}/scans/{id}")).Body.GetProperty("rescannedAs").GetString());
    }

    private static byte[] TarGz(params TarEntry[] entries)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
            foreach (var e in entries) tar.WriteEntry(e);
        return memory.ToArray();
    }

    private static TarEntry File(string name, string content) =>
        new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) };

    private static MultipartFormDataContent Upload(byte[] tarball, string scanType = "SECRETS_ONLY", string? branch = null)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(tarball);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        form.Add(file, "source", "service.tar.gz");
        form.Add(new StringContent(scanType), "scanType");
        if (branch is not null) form.Add(new StringContent(branch), "branch");
        return form;
    }

    [Fact]
    public async Task An_uploaded_source_tarball_is_scanned_as_a_repository()
    {
        var (_, http, _) = await TenantAsync("pepper-upload");
        var tarball = TarGz(
            File("./README.md", "# service\n"),
            File("./config/prod.env", $"REGION=eu-west-1\nAWS_ACCESS_KEY_ID={GitRepositoryServer.PlantedKeyId}\n"),
            new PaxTarEntry(TarEntryType.SymbolicLink, "./config/current.env") { LinkName = "prod.env" },
            File("./.git/config", "[core]\n"));
        using var response = await http.PostAsync($"{Api}/scans", Upload(tarball, branch: "release/1.2"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var started = JsonDocument.Parse(text).RootElement;
        Assert.Equal("service", started.GetProperty("projectId").GetString()); // named after the archive

        var scan = await WaitForEndAsync(http, started.GetProperty("scanId").GetString()!);
        Assert.True(scan.GetProperty("status").GetString() == "COMPLETED", scan.ToString());
        Assert.Equal(1, scan.GetProperty("highCount").GetInt32());
        Assert.Equal("release/1.2", scan.GetProperty("branch").GetString());
        var (_, findings) = await Send(http, HttpMethod.Get, $"{Api}/scans/{scan.GetProperty("scanId").GetString()}/findings");
        var leak = Assert.Single(findings.GetProperty("findings").EnumerateArray());
        Assert.Equal("config/prod.env", leak.GetProperty("filePath").GetString());
        Assert.Equal(2, leak.GetProperty("startLine").GetInt32());
        Assert.Equal("HIGH", leak.GetProperty("severity").GetString());

        // What an archive may not hold, and what is not an archive.
        foreach (var (entry, why) in new (TarEntry, string)[]
        {
            (File("../outside.txt", "x"), "'..'"),
            (File("/etc/cron.d/evil", "x"), "absolute"),
            (new PaxTarEntry(TarEntryType.SymbolicLink, "link") { LinkName = "../../etc/passwd" }, "outside"),
        })
        {
            using var refused = await http.PostAsync($"{Api}/scans", Upload(TarGz(entry)));
            var body = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, body);
            Assert.Contains(why, body);
        }
        using var notGzip = await http.PostAsync($"{Api}/scans", Upload(Encoding.UTF8.GetBytes("plain text")));
        Assert.Equal(HttpStatusCode.BadRequest, notGzip.StatusCode);
        using var notRepository = await http.PostAsync($"{Api}/scans", Upload(tarball, scanType: "QUANTUM_ONLY"));
        Assert.Equal(HttpStatusCode.BadRequest, notRepository.StatusCode);
    }

    [Fact]
    public async Task A_precommit_check_blocks_a_secret_and_lets_clean_files_through()
    {
        var (_, http, _) = await TenantAsync("pepper-precommit");
        var (status, blocked) = await Send(http, HttpMethod.Post, $"{Api}/precommit/scan", new
        {
            failOn = "HIGH",
            files = new object[]
            {
                new { path = "src/app.py", content = "print('hello')\n" },
                new { path = "deploy/aws.ini", content = $"[default]\naws_access_key_id = {GitRepositoryServer.PlantedKeyId}\n" },
            },
        });
        Assert.True(status == HttpStatusCode.OK, blocked.ToString());
        Assert.True(blocked.GetProperty("block").GetBoolean());
        var finding = Assert.Single(blocked.GetProperty("findings").EnumerateArray());
        Assert.Equal("deploy/aws.ini", finding.GetProperty("filePath").GetString());
        Assert.Equal(1, blocked.GetProperty("summary").GetProperty("high").GetInt32());
        Assert.Equal("FAILED", blocked.GetProperty("summary").GetProperty("gateResult").GetString());
        Assert.DoesNotContain(GitRepositoryServer.PlantedKeyId, blocked.ToString());

        var (cleanStatus, clean) = await Send(http, HttpMethod.Post, $"{Api}/precommit/scan", new
        {
            files = new object[] { new { path = "src/app.py", content = Convert.ToBase64String(Encoding.UTF8.GetBytes("print('ok')\n")), encoding = "base64" } },
        });
        Assert.Equal(HttpStatusCode.OK, cleanStatus);
        Assert.False(clean.GetProperty("block").GetBoolean());
        Assert.Empty(clean.GetProperty("findings").EnumerateArray());
        // The check is an ordinary scan, visible in the list.
        var precommitScan = clean.GetProperty("summary").GetProperty("scanId").GetString();
        Assert.Contains((await Send(http, HttpMethod.Get, $"{Api}/scans?projectId=precommit")).Body.GetProperty("scans").EnumerateArray(),
            s => s.GetProperty("scanId").GetString() == precommitScan);

        Assert.Equal(HttpStatusCode.BadRequest, (await Send(http, HttpMethod.Post, $"{Api}/precommit/scan", new { files = Array.Empty<object>() })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(http, HttpMethod.Post, $"{Api}/precommit/scan",
            new { files = new object[] { new { path = "../escape", content = "x" } } })).Status);
    }

    [Fact]
    public async Task Projects_and_their_schedules_are_created_read_changed_and_deleted()
    {
        var (_, http, _) = await TenantAsync("pepper-projects");
        var (created, project) = await Send(http, HttpMethod.Post, $"{Api}/projects",
            new { projectId = "billing", name = "Billing", description = "Invoices", repoUrl = "https://git.example.test/billing.git", failOn = "HIGH" });
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal("billing", project.GetProperty("projectId").GetString());
        Assert.Equal("HIGH", project.GetProperty("failOn").GetString());
        Assert.Equal("billing", project.GetProperty("id").GetString());
        Assert.Equal("Invoices", project.GetProperty("description").GetString());
        Assert.Equal("https://git.example.test/billing.git", project.GetProperty("repoUrl").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await Send(http, HttpMethod.Post, $"{Api}/projects", new { projectId = "billing", name = "Again" })).Status);
        var (badStatus, bad) = await Send(http, HttpMethod.Post, $"{Api}/projects", new { name = "X", repoUrl = "file:///etc" });
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.Equal("repoUrl", bad.GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(http, HttpMethod.Patch, $"{Api}/projects/billing", new { webhookSecret = "per-project secrets are not documented" })).Status);

        Assert.Contains((await Send(http, HttpMethod.Get, $"{Api}/projects")).Body.GetProperty("projects").EnumerateArray(),
            p => p.GetProperty("projectId").GetString() == "billing");
        var (_, changed) = await Send(http, HttpMethod.Patch, $"{Api}/projects/billing", new { defaultBranch = "develop", failOn = "none" });
        Assert.Equal("develop", changed.GetProperty("defaultBranch").GetString());
        Assert.Equal("NONE", changed.GetProperty("failOn").GetString());

        // A schedule scans the project's repository unless it names another target.
        var (scheduleStatus, schedule) = await Send(http, HttpMethod.Post, $"{Api}/projects/billing/schedules",
            new { cron = "0 3 * * *", timezone = "Europe/Berlin", scanType = "SECRETS_ONLY", branch = "main" });
        Assert.True(scheduleStatus == HttpStatusCode.Created, schedule.ToString());
        var scheduleId = schedule.GetProperty("scheduleId").GetString();
        Assert.Equal("https://git.example.test/billing.git", schedule.GetProperty("target").GetString());
        Assert.Equal("SECRETS_ONLY", schedule.GetProperty("scanType").GetString());
        var (cronStatus, cron) = await Send(http, HttpMethod.Post, $"{Api}/projects/billing/schedules", new { cron = "every day", scanType = "SECRETS_ONLY" });
        Assert.Equal(HttpStatusCode.BadRequest, cronStatus);
        Assert.Equal("cron", cron.GetProperty("field").GetString());
        var (_, paused) = await Send(http, HttpMethod.Patch, $"{Api}/projects/billing/schedules/{scheduleId}", new { enabled = false });
        Assert.False(paused.GetProperty("enabled").GetBoolean());
        Assert.Single((await Send(http, HttpMethod.Get, $"{Api}/projects/billing/schedules")).Body.GetProperty("schedules").EnumerateArray());
        Assert.Equal(HttpStatusCode.NoContent, (await Send(http, HttpMethod.Delete, $"{Api}/projects/billing/schedules/{scheduleId}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(http, HttpMethod.Get, $"{Api}/projects/billing/schedules/{scheduleId}")).Status);

        Assert.Equal(HttpStatusCode.NoContent, (await Send(http, HttpMethod.Delete, $"{Api}/projects/billing")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(http, HttpMethod.Get, $"{Api}/projects/billing")).Status);
    }

    [Fact]
    public async Task Api_keys_show_their_plaintext_once_and_the_audit_log_pages_with_a_cursor()
    {
        var (_, http, _) = await TenantAsync("pepper-keys");
        // The documented body: a name and an expiry date; the plaintext comes once, in the platform's format.
        var expiresAt = DateTimeOffset.UtcNow.AddDays(30).ToString("yyyy-MM-ddTHH:mm:ssZ");
        var (docStatus, documented) = await Send(http, HttpMethod.Post, $"{Api}/apikeys", new { name = "github-actions-prod", expiresAt });
        Assert.Equal(HttpStatusCode.Created, docStatus);
        Assert.Matches("^ppr_[A-Za-z0-9]{24}$", documented.GetProperty("plaintext").GetString());
        Assert.Equal(expiresAt, documented.GetProperty("expiresAt").GetDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:ssZ"));
        Assert.Equal(HttpStatusCode.OK, (await Send(scangate.Client(documented.GetProperty("plaintext").GetString(), "Bearer"), HttpMethod.Get, $"{Api}/apikeys")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(http, HttpMethod.Post, $"{Api}/apikeys", new { name = "old", expiresAt = "2001-01-01T00:00:00Z" })).Status);

        var (status, created) = await Send(http, HttpMethod.Post, $"{Api}/apikeys", new { name = "deploy", scopes = new[] { "scans:read" } });
        Assert.Equal(HttpStatusCode.Created, status);
        var plaintext = created.GetProperty("plaintext").GetString()!;
        var keyId = created.GetProperty("id").GetString();
        Assert.StartsWith("ppr_", plaintext);

        var (_, list) = await Send(http, HttpMethod.Get, $"{Api}/apikeys");
        var listed = Assert.Single(list.GetProperty("apiKeys").EnumerateArray(), k => k.GetProperty("id").GetString() == keyId);
        Assert.False(listed.TryGetProperty("plaintext", out _));
        Assert.DoesNotContain(plaintext, list.ToString());
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(http, HttpMethod.Post, $"{Api}/apikeys", new { name = "x", scopes = new[] { "root" } })).Status);

        var fresh = scangate.Client(plaintext, "Bearer");
        Assert.Equal(HttpStatusCode.OK, (await Send(fresh, HttpMethod.Get, $"{Api}/scans")).Status);
        // A platform-format key is an ordinary ScanGate key: it works natively too.
        Assert.Equal(HttpStatusCode.OK, (await Send(fresh, HttpMethod.Get, "/api/v1/scans")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(fresh, HttpMethod.Get, $"{Api}/apikeys")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await Send(http, HttpMethod.Delete, $"{Api}/apikeys/{keyId}")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(fresh, HttpMethod.Get, $"{Api}/scans")).Status);

        var (_, first) = await Send(http, HttpMethod.Get, $"{Api}/audit-log?limit=1");
        DocumentedShape.Assert(first, """
            { "entries": [ { "id": "…", "action": "scan.queued", "resource": "scan", "resourceId": "…", "user": { "id": "…", "email": "…" },
              "ipAddress": "…", "details": {}, "createdAt": "…" } ], "nextCursor": "…" }
            """);
        var entry = Assert.Single(first.GetProperty("entries").EnumerateArray());
        Assert.Equal("key.revoked", entry.GetProperty("action").GetString());
        Assert.Equal("key", entry.GetProperty("resource").GetString());
        Assert.Equal(keyId, entry.GetProperty("resourceId").GetString());
        Assert.Equal("admin@pepper-keys.test", entry.GetProperty("user").GetProperty("email").GetString());
        var userId = entry.GetProperty("user").GetProperty("id").GetString();
        Assert.Equal(JsonValueKind.String, entry.GetProperty("createdAt").ValueKind);
        Assert.True(entry.TryGetProperty("ipAddress", out _));
        Assert.Equal(JsonValueKind.Object, entry.GetProperty("details").ValueKind);
        Assert.NotEmpty((await Send(http, HttpMethod.Get, $"{Api}/audit-log?userId={userId}")).Body.GetProperty("entries").EnumerateArray());
        Assert.Empty((await Send(http, HttpMethod.Get, $"{Api}/audit-log?userId=mem_nobody")).Body.GetProperty("entries").EnumerateArray());
        var cursor = first.GetProperty("nextCursor").GetString();
        var (_, second) = await Send(http, HttpMethod.Get, $"{Api}/audit-log?limit=1&cursor={cursor}");
        Assert.Equal("key.created", Assert.Single(second.GetProperty("entries").EnumerateArray()).GetProperty("action").GetString());
    }

    [Fact]
    public async Task Findings_are_filtered_triaged_one_by_one_and_in_bulk_and_feed_the_trends()
    {
        var (_, http, _) = await TenantAsync("pepper-findings");
        await using var git = await GitRepositoryServer.StartAsync();
        var (_, started) = await Send(http, HttpMethod.Post, $"{Api}/scans", new { repoUrl = git.Url, scanType = "SECRETS_ONLY" });
        var scanId = started.GetProperty("scanId").GetString()!;
        await WaitForEndAsync(http, scanId);

        var (status, page) = await Send(http, HttpMethod.Get, $"{Api}/findings?scanId={scanId}&severity=HIGH&status=OPEN");
        Assert.Equal(HttpStatusCode.OK, status);
        DocumentedShape.Assert(page, """{ "findings": [ { "id": "…", "severity": "HIGH", "title": "…", "filePath": "…", "startLine": 1 } ] }""");
        var finding = Assert.Single(page.GetProperty("findings").EnumerateArray());
        var findingId = finding.GetProperty("id").GetString()!;
        Assert.Equal("OPEN", finding.GetProperty("status").GetString());
        Assert.Empty((await Send(http, HttpMethod.Get, $"{Api}/findings?scanId={scanId}&severity=CRITICAL")).Body.GetProperty("findings").EnumerateArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(http, HttpMethod.Get, $"{Api}/findings?colour=red")).Status);

        var (patchStatus, patched) = await Send(http, HttpMethod.Patch, $"{Api}/findings/{findingId}", new { status = "IN_PROGRESS", statusNote = "rotating the key" });
        Assert.Equal(HttpStatusCode.OK, patchStatus);
        Assert.Equal("IN_PROGRESS", patched.GetProperty("status").GetString());
        Assert.Equal("rotating the key", patched.GetProperty("statusNote").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(http, HttpMethod.Patch, $"{Api}/findings/{findingId}", new { status = "DONE" })).Status);
        var (bulkStatus, bulk) = await Send(http, HttpMethod.Post, $"{Api}/findings/bulk", new { ids = new[] { findingId, "fnd_missing" }, status = "RESOLVED" });
        Assert.Equal(HttpStatusCode.OK, bulkStatus);
        Assert.Equal(1, bulk.GetProperty("updated").GetInt32());
        Assert.Equal("fnd_missing", Assert.Single(bulk.GetProperty("notFound").EnumerateArray()).GetString());
        Assert.Equal("RESOLVED", Assert.Single(bulk.GetProperty("findings").EnumerateArray()).GetProperty("status").GetString());

        // Another organisation's finding: 403; one that does not exist: 404.
        var (_, other, _) = await TenantAsync("pepper-findings-other");
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(other, HttpMethod.Patch, $"{Api}/findings/{findingId}", new { status = "OPEN" })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(other, HttpMethod.Patch, $"{Api}/findings/fnd_missing", new { status = "OPEN" })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(other, HttpMethod.Get, $"{Api}/scans/{scanId}/findings")).Status);

        // Trends: one entry per day with today's scan and its finding, and the time to resolve the high finding.
        var (trendStatus, trends) = await Send(http, HttpMethod.Get, $"{Api}/dashboard/trends?days=7");
        Assert.Equal(HttpStatusCode.OK, trendStatus);
        DocumentedShape.Assert(trends, """
            { "days": 30, "series": [ { "date": "2026-05-01", "critical": 0, "high": 2, "medium": 5, "low": 8, "scans": 3, "gateFailed": 1 } ],
              "mttr": { "HIGH": { "count": 4, "meanHours": 12.5 } } }
            """);
        var series = trends.GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(7, series.Count);
        var today = series[^1];
        Assert.Equal(DateTime.UtcNow.ToString("yyyy-MM-dd"), today.GetProperty("date").GetString());
        Assert.Equal(1, today.GetProperty("scans").GetInt32());
        Assert.Equal(1, today.GetProperty("high").GetInt32());
        Assert.Equal(0, today.GetProperty("critical").GetInt32());
        Assert.Equal(JsonValueKind.Number, today.GetProperty("gateFailed").ValueKind);
        Assert.Equal(7, trends.GetProperty("days").GetInt32());
        var high = trends.GetProperty("mttr").GetProperty("HIGH");
        Assert.Equal(1, high.GetProperty("count").GetInt32());
        Assert.True(high.GetProperty("meanHours").GetDouble() >= 0);
        Assert.Equal(JsonValueKind.Null, trends.GetProperty("mttr").GetProperty("CRITICAL").GetProperty("meanHours").ValueKind);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(http, HttpMethod.Get, $"{Api}/dashboard/trends?days=0")).Status);
    }

    [Fact]
    public async Task Ci_templates_run_this_surfaces_flow_against_this_deployment()
    {
        var (_, http, _) = await TenantAsync("pepper-templates", preset: "ci-basic");
        foreach (var system in new[] { "github", "gitlab", "jenkins" })
        {
            using var response = await http.GetAsync($"{Api}/cicd-templates/{system}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            Assert.Contains(BaseUrl, text);
            Assert.Contains("$PEPPER_URL/api/scans", text);
            Assert.Contains("Authorization: Bearer $PEPPER_API_KEY", text);
            Assert.Contains(".gateResult", text);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await Send(http, HttpMethod.Get, $"{Api}/cicd-templates/travis")).Status);

        // The Jenkins template's shell step is valid bash.
        var jenkins = await http.GetStringAsync($"{Api}/cicd-templates/jenkins");
        var script = jenkins[(jenkins.IndexOf("sh '''", StringComparison.Ordinal) + 6)..];
        script = script[..script.IndexOf("'''", StringComparison.Ordinal)];
        var path = Path.Combine(Path.GetTempPath(), $"pepper-jenkins-{Guid.NewGuid():N}.sh");
        await System.IO.File.WriteAllTextAsync(path, script);
        try
        {
            var (code, _, error) = await Proc.RunAsync("bash", "-n", path);
            Assert.True(code == 0, error);
        }
        finally { System.IO.File.Delete(path); }
    }
}
