using System.Net;
using System.Text.Json;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Compat;

/// <summary><c>/compat/aikido</c>: the feature-branch pipeline flow (tests/compat/aikido-pipeline.sh) with curl and jq
/// against the built ScanGate process, real bandit, ESLint and gitleaks containers and an uploaded checkov SARIF, and
/// the documented error codes.</summary>
public sealed class AikidoCompatTests(CompatProcess scangate) : IClassFixture<CompatProcess>
{
    private const string BasePath = "/compat/aikido";
    private const string Api = "/compat/aikido/api/integrations/continuous_integration/scan";
    private const string Header = "X-AIK-API-SECRET";
    private string BaseUrl => scangate.Process.Http.BaseAddress + "compat/aikido";
    private static readonly string[] CiScopes = ["scans:trigger", "scans:read", "projects:manage"];

    private static readonly Dictionary<string, string> BaseFiles = new()
    {
        ["README.md"] = "# shop\n",
        ["app.py"] = "import subprocess\n\n\ndef run(command):\n    return subprocess.call(command, shell=True)\n",
    };

    private static readonly Dictionary<string, string> FeatureFiles = new()
    {
        ["login.py"] = "def check(expression):\n    return eval(expression)\n",
        ["deploy/settings.ini"] = $"[aws]\nregion = eu-west-1\naws_access_key_id = {GitRepositoryServer.PlantedKeyId}\n",
    };

    private async Task<string> TenantWithProjectAsync(string name, string project, string repositoryUrl, int monthlyQuota = 1000, int rate = 600)
    {
        var (_, key, _) = await scangate.TenantAsync(name, preset: null, scopes: CiScopes, monthlyQuota: monthlyQuota, ratePerMinute: rate);
        var (status, body) = await CompatProcess.SendAsync(scangate.Client(key), HttpMethod.Post, "/api/v1/projects",
            new { key = project, name = project, repository_url = repositoryUrl });
        Assert.True(status == HttpStatusCode.Created, body.ToString());
        return key;
    }

    private static JsonElement NewIssues(string output)
    {
        var line = output.Split('\n').Single(l => l.StartsWith("new issues: ", StringComparison.Ordinal));
        return JsonDocument.Parse(line["new issues: ".Length..]).RootElement.Clone();
    }

    [Fact]
    public async Task The_documented_feature_branch_flow_fails_on_a_new_secret_and_counts_only_new_issues()
    {
        await using var git = await GitRepositoryServer.StartAsync(BaseFiles);
        var baseCommit = await git.RevParseAsync("HEAD");
        var head = await git.CommitOnBranchAsync("feature/login", FeatureFiles, "login");
        var key = await TenantWithProjectAsync("aikido-flow", "shop", git.Url);
        var sarif = Path.Combine(CompatProcess.RepositoryRoot(), "tests", "ScanGate.Tests", "Fixtures", "checkov-3.2.sarif");
        Dictionary<string, string> Env(string branch, string baseId, string headId, params (string, string)[] more)
        {
            var env = new Dictionary<string, string>
            {
                ["AIKIDO_URL"] = BaseUrl, ["AIKIDO_API_SECRET"] = key, ["REPOSITORY_ID"] = "shop", ["BASE_COMMIT"] = baseId,
                ["HEAD_COMMIT"] = headId, ["BRANCH_NAME"] = branch, ["CHECKOV_SARIF"] = sarif,
            };
            foreach (var (k, v) in more) env[k] = v;
            return env;
        }

        // The main branch at the base commit: its issues (a bandit finding, the uploaded checkov result) are the baseline.
        var (code, output) = await CompatProcess.RunScriptAsync("aikido-pipeline.sh", Env("main", baseCommit, baseCommit));
        Assert.True(code == 0, output);
        var first = NewIssues(output);
        Assert.True(first.GetProperty("new_sast_issues_found").GetInt32() >= 1, output);
        Assert.Equal(1, first.GetProperty("new_iac_issues_found").GetInt32()); // the uploaded checkov SARIF counts as iac
        Assert.Equal(0, first.GetProperty("new_leaked_secret_issues_found").GetInt32());

        // The feature head adds a secret and a second bandit finding: with the secrets switch on at HIGH the job fails.
        (code, output) = await CompatProcess.RunScriptAsync("aikido-pipeline.sh",
            Env("feature/login", baseCommit, head, ("FAIL_ON_SECRETS", "true"), ("MINIMUM_SEVERITY", "HIGH")));
        Assert.True(code == 1, output);
        Assert.Contains("aikido gate failed", output);
        var feature = NewIssues(output);
        Assert.True(feature.GetProperty("new_leaked_secret_issues_found").GetInt32() >= 1, output);
        Assert.Equal(1, feature.GetProperty("new_sast_issues_found").GetInt32()); // only login.py's; app.py's was there at base
        Assert.Equal(0, feature.GetProperty("new_iac_issues_found").GetInt32());
        Assert.Equal(0, feature.GetProperty("new_dependency_issues_found").GetInt32());
        Assert.Equal(feature.GetProperty("new_sast_issues_found").GetInt32() + feature.GetProperty("new_leaked_secret_issues_found").GetInt32(),
            feature.GetProperty("new_issues_found").GetInt32());

        // The same head with the documented defaults (secrets off, CRITICAL) passes.
        (code, output) = await CompatProcess.RunScriptAsync("aikido-pipeline.sh", Env("feature/login", baseCommit, head));
        Assert.True(code == 0, output);
        Assert.Contains("aikido gate passed", output);
        Assert.True(NewIssues(output).GetProperty("new_leaked_secret_issues_found").GetInt32() >= 1, output);
    }

    [Fact]
    public async Task A_base_commit_never_scanned_is_scanned_first_so_only_what_the_head_adds_is_new()
    {
        await using var git = await GitRepositoryServer.StartAsync(BaseFiles);
        var baseCommit = await git.RevParseAsync("HEAD");
        var head = await git.CommitOnBranchAsync("feature/login", FeatureFiles, "login");
        var key = await TenantWithProjectAsync("aikido-unscanned-base", "shop", git.Url);
        var (code, output) = await CompatProcess.RunScriptAsync("aikido-pipeline.sh", new Dictionary<string, string>
        {
            ["AIKIDO_URL"] = BaseUrl, ["AIKIDO_API_SECRET"] = key, ["REPOSITORY_ID"] = "shop", ["BASE_COMMIT"] = baseCommit,
            ["HEAD_COMMIT"] = head, ["BRANCH_NAME"] = "feature/login",
        });
        Assert.True(code == 0, output); // the documented defaults: secrets do not fail the gate
        var found = NewIssues(output);
        var number = System.Text.RegularExpressions.Regex.Match(output, @"started scan (\d+)").Groups[1].Value;
        var (_, completed) = await CompatProcess.SendAsync(scangate.Client(key, Header), HttpMethod.Get, $"{Api}/repository?scan_id={number}");
        DocumentedShape.Assert(completed, """
            { "all_scans_completed": true, "dependency_scan_completed": true, "sast_scan_completed": true, "iac_scan_completed": true, "secrets_scan_completed": true,
              "new_issues_found": 1, "new_dependency_issues_found": 1, "new_sast_issues_found": 0, "new_iac_issues_found": 0, "new_leaked_secret_issues_found": 0,
              "diff_url": "https://app.aikido.dev/featurebranch/scan/1?groupId=1", "gate_passed": false }
            """, closed: true);
        Assert.Equal(1, found.GetProperty("new_sast_issues_found").GetInt32()); // login.py's only: app.py's is in the base
        Assert.True(found.GetProperty("new_leaked_secret_issues_found").GetInt32() >= 1, output);

        // Natively: the scan of the base commit ScanGate started, and the head judged against it.
        var (_, list) = await CompatProcess.SendAsync(scangate.Client(key), HttpMethod.Get, "/api/v1/scans?project=shop");
        var scans = list.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, scans.Count);
        var (_, headScan) = await CompatProcess.SendAsync(scangate.Client(key), HttpMethod.Get, $"/api/v1/scans/{scans[0].GetProperty("id").GetString()}");
        var (_, baseScan) = await CompatProcess.SendAsync(scangate.Client(key), HttpMethod.Get, $"/api/v1/scans/{scans[1].GetProperty("id").GetString()}");
        Assert.Equal(baseCommit, baseScan.GetProperty("commit").GetString());
        Assert.Equal("completed", baseScan.GetProperty("status").GetString());
        Assert.Equal(baseScan.GetProperty("id").GetString(), headScan.GetProperty("gate").GetProperty("baseline_scan_id").GetString());
    }

    [Fact]
    public async Task Start_answers_an_integer_id_that_reads_while_running_and_natively()
    {
        await using var git = await GitRepositoryServer.StartAsync(BaseFiles);
        var commit = await git.RevParseAsync("HEAD");
        var key = await TenantWithProjectAsync("aikido-shape", "web", git.Url);
        using var http = scangate.Client(key, Header);
        var start = new
        {
            repository_id = "web", base_commit_id = commit, head_commit_id = commit, branch_name = "main",
            self_managed_scanners = new[] { "checkov" }, expected_amount_json_sboms = 1, pull_request_metadata = new { number = 7 },
        };
        var (status, body) = await CompatProcess.SendAsync(http, HttpMethod.Post, $"{Api}/repository", start);
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        DocumentedShape.Assert(body, """{ "scan_id": 22 }""", closed: true);
        var number = body.GetProperty("scan_id").GetInt64();
        Assert.Equal(1, number);

        // Running: the flags, no verdict yet (two uploads are still expected).
        var (readStatus, running) = await CompatProcess.SendAsync(http, HttpMethod.Get, $"{Api}/repository?scan_id={number}");
        Assert.Equal(HttpStatusCode.OK, readStatus);
        Assert.False(running.GetProperty("all_scans_completed").GetBoolean());
        Assert.False(running.GetProperty("iac_scan_completed").GetBoolean()); // its checkov upload has not come
        DocumentedShape.Assert(running, """
            { "all_scans_completed": false, "dependency_scan_completed": true, "sast_scan_completed": false, "iac_scan_completed": false,
              "secrets_scan_completed": false, "sbom_scan_completed": false // if 'json-sbom' in self_managed_scanners
            }
            """, closed: true);

        // Natively: the same scan, with the platform's request kept in pipeline_context.
        var (_, list) = await CompatProcess.SendAsync(scangate.Client(key), HttpMethod.Get, "/api/v1/scans?project=web");
        var id = list.GetProperty("items")[0].GetProperty("id").GetString()!;
        var (_, native) = await CompatProcess.SendAsync(scangate.Client(key), HttpMethod.Get, $"/api/v1/scans/{id}");
        Assert.Equal(7, native.GetProperty("pipeline_context").GetProperty("aikido").GetProperty("pull_request_metadata").GetProperty("number").GetInt32());
        Assert.Equal(commit, native.GetProperty("gate").GetProperty("base_commit").GetString());

        // A json-sbom into the repository's live feed (no scan_id) lands in this open scan.
        // The documented body: payload_type, container_image_name, and Syft's own JSON; the answer is {"success": 1}.
        Assert.False(running.GetProperty("sbom_scan_completed").GetBoolean());
        var sbom = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(CompatProcess.RepositoryRoot(), "tests", "ScanGate.Tests", "Fixtures", "syft-1.18-image.json"))).RootElement;
        await BadUpload(new { repository_id = "web", payload_type = "json-sbom", payload = sbom }, "container_image_name");
        var (upStatus, up) = await CompatProcess.SendAsync(http, HttpMethod.Post, $"{Api}/custom",
            new { repository_id = "web", container_image_name = "image-name", payload_type = "json-sbom", payload = sbom });
        Assert.True(upStatus == HttpStatusCode.OK, up.ToString());
        Assert.Equal(1, up.GetProperty("success").GetInt32());
        DocumentedShape.Assert(up, """{ "success": 1 }""", closed: true);
        var (_, afterUpload) = await CompatProcess.SendAsync(http, HttpMethod.Get, $"{Api}/repository?scan_id={number}");
        Assert.True(afterUpload.GetProperty("sbom_scan_completed").GetBoolean(), afterUpload.ToString());
        var (_, nativeAfter) = await CompatProcess.SendAsync(scangate.Client(key), HttpMethod.Get, $"/api/v1/scans/{id}");
        Assert.Equal(1, nativeAfter.GetProperty("uploads").GetInt32());

        async Task BadUpload(object upload, string field)
        {
            var (badStatus, bad) = await CompatProcess.SendAsync(http, HttpMethod.Post, $"{Api}/custom", upload);
            Assert.True(badStatus == HttpStatusCode.BadRequest, bad.ToString());
            Assert.Equal(field, bad.GetProperty("field").GetString());
        }

        // Another organisation's number 1 is its own, and its key does not see this scan.
        var (_, otherKey, _) = await scangate.TenantAsync("aikido-shape-other");
        Assert.Equal(HttpStatusCode.NotFound, (await CompatProcess.SendAsync(scangate.Client(otherKey, Header), HttpMethod.Get, $"{Api}/repository?scan_id={number}")).Status);
        await CompatProcess.SendAsync(scangate.Admin, HttpMethod.Post, $"/api/v1/scans/{id}/cancel"); // nothing more to see
    }

    [Fact]
    public async Task A_ci_token_in_the_platforms_shape_is_made_here_and_read_only_from_its_header()
    {
        var (_, admin, _) = await scangate.TenantAsync("aikido-token", preset: "admin");
        var (status, created) = await CompatProcess.SendAsync(scangate.Client(admin, Header), HttpMethod.Post, $"{BasePath}/api/keys", new { name = "ci" });
        Assert.True(status == HttpStatusCode.Created, created.ToString());
        var token = created.GetProperty("token").GetString()!;
        Assert.Matches("^AIK_CI_[A-Za-z0-9]{64}$", token);
        // The token starts and reads scans (404 for a number it does not have), in X-AIK-API-SECRET only.
        Assert.Equal(HttpStatusCode.NotFound, (await CompatProcess.SendAsync(scangate.Client(token, Header), HttpMethod.Get, $"{Api}/repository?scan_id=1")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await CompatProcess.SendAsync(scangate.Client(token, "Bearer"), HttpMethod.Get, $"{Api}/repository?scan_id=1")).Status);
        // It cannot make keys itself, and once revoked it is refused.
        Assert.Equal(HttpStatusCode.Forbidden, (await CompatProcess.SendAsync(scangate.Client(token, Header), HttpMethod.Post, $"{BasePath}/api/keys", new { name = "x" })).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await CompatProcess.SendAsync(scangate.Client(admin, Header), HttpMethod.Delete,
            $"{BasePath}/api/keys/{created.GetProperty("id").GetString()}")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await CompatProcess.SendAsync(scangate.Client(token, Header), HttpMethod.Get, $"{Api}/repository?scan_id=1")).Status);
    }

    [Fact]
    public async Task Documented_error_codes()
    {
        await using var git = await GitRepositoryServer.StartAsync(BaseFiles);
        var commit = await git.RevParseAsync("HEAD");
        var key = await TenantWithProjectAsync("aikido-errors", "api", git.Url);
        object Start(string? branch = "main", string? severity = null, string repository = "api", string head = "") => new Dictionary<string, object?>
        {
            ["repository_id"] = repository, ["base_commit_id"] = commit, ["head_commit_id"] = head == "" ? commit : head,
            ["branch_name"] = branch, ["minimum_severity"] = severity,
        };
        var path = $"{Api}/repository";

        // No key, a key that is not one, and a good key in another header: 401.
        Assert.Equal(HttpStatusCode.Unauthorized, (await CompatProcess.SendAsync(scangate.Client(null), HttpMethod.Post, path, Start())).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await CompatProcess.SendAsync(scangate.Client(ScanGate.Application.ApiKeys.NewKey(), Header), HttpMethod.Post, path, Start())).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await CompatProcess.SendAsync(scangate.Client(key), HttpMethod.Post, path, Start())).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await CompatProcess.SendAsync(scangate.Client(key, "Bearer"), HttpMethod.Post, path, Start())).Status);
        // A key without the scope: 403.
        var (_, readOnly, _) = await scangate.TenantAsync("aikido-readonly", preset: null, scopes: ["scans:read"]);
        Assert.Equal(HttpStatusCode.Forbidden, (await CompatProcess.SendAsync(scangate.Client(readOnly, Header), HttpMethod.Post, path, Start())).Status);

        using var http = scangate.Client(key, Header);
        async Task BadRequest(object body, string field, string url)
        {
            var (status, problem) = await CompatProcess.SendAsync(http, HttpMethod.Post, url, body);
            Assert.True(status == HttpStatusCode.BadRequest, problem.ToString());
            Assert.Equal(field, problem.GetProperty("field").GetString());
        }
        await BadRequest(Start(branch: null), "branch_name", path);
        await BadRequest(Start(severity: "SEVERE"), "minimum_severity", path);
        await BadRequest(Start(head: "not-a-commit"), "head_commit_id", path);
        await BadRequest(new { payload_type = "trivy", scan_id = 1, payload = new { } }, "payload_type", $"{Api}/custom");
        Assert.Equal(HttpStatusCode.BadRequest, (await CompatProcess.SendAsync(http, HttpMethod.Get, $"{path}?scan_id=abc")).Status);
        // Unknown repository, unknown scan, and no open scan to upload into.
        var (unknownStatus, unknown) = await CompatProcess.SendAsync(http, HttpMethod.Post, path, Start(repository: "nope"));
        Assert.Equal(HttpStatusCode.NotFound, unknownStatus);
        Assert.Equal("Repository not found", unknown.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await CompatProcess.SendAsync(http, HttpMethod.Get, $"{path}?scan_id=999")).Status);
        // With no open scan, an upload goes into the repository's live feed: a scan of that report alone, completed.
        var (feedStatus, feed) = await CompatProcess.SendAsync(http, HttpMethod.Post, $"{Api}/custom",
            new { repository_id = "api", payload_type = "checkov", payload = new { version = "2.1.0", runs = Array.Empty<object>() } });
        Assert.True(feedStatus == HttpStatusCode.OK, feed.ToString());
        Assert.Equal(1, feed.GetProperty("success").GetInt32());
        // The feed's scan is this organisation's first aikido number.
        JsonElement fed = default;
        for (var i = 0; i < 100; i++)
        {
            fed = (await CompatProcess.SendAsync(http, HttpMethod.Get, $"{path}?scan_id=1")).Body;
            if (fed.TryGetProperty("all_scans_completed", out var all) && all.GetBoolean() && fed.TryGetProperty("gate_passed", out var gp) && gp.ValueKind != JsonValueKind.Null) break;
            await Task.Delay(200);
        }
        Assert.True(fed.GetProperty("gate_passed").GetBoolean(), fed.ToString());
        // The platform's own repository ids (a GitHub node id, a number) name the project once it lists them.
        var (patchStatus, patched) = await CompatProcess.SendAsync(scangate.Client(key), HttpMethod.Patch, "/api/v1/projects/api",
            new { repository_ids = new object[] { "R_kgDOJf6H8g", 12 } });
        Assert.True(patchStatus == HttpStatusCode.OK, patched.ToString());
        var byNodeId = await CompatProcess.SendAsync(http, HttpMethod.Post, path, Start(repository: "R_kgDOJf6H8g"));
        Assert.True(byNodeId.Status == HttpStatusCode.OK, byNodeId.Body.ToString());
        var byNumber = await CompatProcess.SendAsync(http, HttpMethod.Post, path, new Dictionary<string, object?>
        {
            ["repository_id"] = 12, ["base_commit_id"] = commit, ["head_commit_id"] = commit, ["branch_name"] = "main",
        });
        Assert.True(byNumber.Status == HttpStatusCode.OK, byNumber.Body.ToString());
        // The document's own example body ends in a trailing comma: read as the platform reads it.
        using (var raw = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent($"{{ \"version\": \"1.0.5\", \"branch_name\": \"main\", \"repository_id\": 12, \"base_commit_id\": \"{commit}\", \"head_commit_id\": \"{commit}\", \"expected_amount_json_sboms\": 0, }}",
                System.Text.Encoding.UTF8, "application/json"),
        })
        using (var response = await http.SendAsync(raw))
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());

        // The rate limit: 429.
        var slow = await TenantWithProjectAsync("aikido-rate", "api", git.Url, rate: 2);
        using var slowClient = scangate.Client(slow, Header);
        var last = HttpStatusCode.OK;
        for (var i = 0; i < 4; i++) last = (await CompatProcess.SendAsync(slowClient, HttpMethod.Get, $"{path}?scan_id=1")).Status;
        Assert.Equal(HttpStatusCode.TooManyRequests, last);
        // The plan's monthly quota spent: 402.
        var small = await TenantWithProjectAsync("aikido-plan", "api", git.Url, monthlyQuota: 1);
        using var smallClient = scangate.Client(small, Header);
        var (firstStatus, first) = await CompatProcess.SendAsync(smallClient, HttpMethod.Post, path, Start());
        Assert.True(firstStatus == HttpStatusCode.OK, first.ToString());
        Assert.Equal(HttpStatusCode.PaymentRequired, (await CompatProcess.SendAsync(smallClient, HttpMethod.Post, path, Start())).Status);
    }
}
