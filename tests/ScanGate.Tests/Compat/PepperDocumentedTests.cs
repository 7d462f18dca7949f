using System.Net;
using System.Text.Json;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Compat;

/// <summary><c>/compat/pepper</c>, the document's examples and shapes not covered by <see cref="PepperCompatTests"/>:
/// the curl upload, pre-commit failOn lists and the installer's hook, resume of a stopped scan, the nightly schedule,
/// the IDE endpoint, and the documented capabilities answered 501.</summary>
public sealed class PepperDocumentedTests(CompatProcess scangate) : IClassFixture<CompatProcess>
{
    private const string Api = "/compat/pepper/api";
    private string BaseUrl => scangate.Process.Http.BaseAddress + "compat/pepper";

    private async Task<(HttpClient Http, string Key)> TenantAsync(string name)
    {
        var (_, key, _) = await scangate.TenantAsync(name, "admin");
        return (scangate.Client(key, "Bearer"), key);
    }

    private static Task<(HttpStatusCode Status, JsonElement Body)> Send(HttpClient http, HttpMethod method, string path, object? body = null) =>
        CompatProcess.SendAsync(http, method, path, body);

    private static Task<(int Code, string Output)> Run(string workDir, string command, IReadOnlyDictionary<string, string> env) =>
        CompatProcess.RunBashAsync(["-c", command], env, workDir);

    [Fact]
    public async Task The_documented_curl_upload_answers_scanId_projectId_and_QUEUED()
    {
        var (http, key) = await TenantAsync("pepper-doc-upload");
        var dir = Directory.CreateTempSubdirectory("pepper-doc-").FullName;
        try
        {
            var env = new Dictionary<string, string> { ["PEPPER_API_URL"] = BaseUrl, ["PEPPER_API_KEY"] = key };
            var (setup, setupOut) = await Run(dir, "git init -q -b main . && mkdir src && echo 'print(1)' > src/app.py && git add . "
                + "&& git -c user.email=t@t -c user.name=t commit -qm init && tar czf source.tar.gz src", env);
            Assert.True(setup == 0, setupOut);
            var (code, output) = await Run(dir, "bash " + Path.Combine(CompatProcess.RepositoryRoot(), "tests", "compat", "pepper-doc-create.sh"), env);
            Assert.True(code == 0, output);
            var answer = JsonDocument.Parse(output[output.IndexOf('{')..(output.LastIndexOf('}') + 1)]).RootElement; // curl's progress meter is on stderr
            var scanId = answer.GetProperty("scanId").GetString()!;
            Assert.StartsWith("scn_", scanId);
            Assert.Equal("source", answer.GetProperty("projectId").GetString()); // made from the archive's name
            Assert.Equal("QUEUED", answer.GetProperty("status").GetString());
            var (_, scan) = await Send(http, HttpMethod.Get, $"{Api}/scans/{scanId}");
            Assert.Equal("FULL", scan.GetProperty("scanType").GetString());
            Assert.Equal("main", scan.GetProperty("branch").GetString());
            Assert.Matches("^[0-9a-f]{40}$", scan.GetProperty("commitSha").GetString());
            await Send(http, HttpMethod.Post, $"{Api}/scans/{scanId}/cancel");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public async Task Precommit_takes_the_documented_failOn_list_and_its_installer_blocks_a_secret_commit()
    {
        var (http, key) = await TenantAsync("pepper-doc-precommit");
        var secret = $"[default]\naws_access_key_id = {GitRepositoryServer.PlantedKeyId}\n";
        var (status, blocked) = await Send(http, HttpMethod.Post, $"{Api}/precommit/scan", new
        {
            files = new object[] { new { path = "deploy/aws.ini", content = secret } },
            failOn = new[] { "CRITICAL", "HIGH" },
        });
        Assert.True(status == HttpStatusCode.OK, blocked.ToString());
        DocumentedShape.Assert(blocked, """{ "findings": [ { "severity": "HIGH", "filePath": "src/foo.ts", "startLine": 42 } ], "summary": {}, "block": true }""");
        Assert.True(blocked.GetProperty("block").GetBoolean());
        Assert.Equal(JsonValueKind.Object, blocked.GetProperty("summary").ValueKind);
        var finding = Assert.Single(blocked.GetProperty("findings").EnumerateArray());
        Assert.Equal("HIGH", finding.GetProperty("severity").GetString());
        Assert.Equal("deploy/aws.ini", finding.GetProperty("filePath").GetString());
        Assert.Equal(2, finding.GetProperty("startLine").GetInt32());
        // Only CRITICAL blocks: the high secret passes.
        var (_, critical) = await Send(http, HttpMethod.Post, $"{Api}/precommit/scan", new
        {
            files = new object[] { new { path = "deploy/aws.ini", content = secret } }, failOn = new[] { "CRITICAL" },
        });
        Assert.False(critical.GetProperty("block").GetBoolean(), critical.ToString());
        var (gapStatus, gap) = await Send(http, HttpMethod.Post, $"{Api}/precommit/scan", new
        {
            files = new object[] { new { path = "a.txt", content = "x" } }, failOn = new[] { "CRITICAL", "LOW" },
        });
        Assert.Equal(HttpStatusCode.BadRequest, gapStatus);
        Assert.Equal("failOn", gap.GetProperty("field").GetString());

        // The installer needs no key; the hook it writes refuses a commit with the secret and lets a clean one through.
        using var installer = await scangate.Client(null).GetAsync($"{Api}/precommit/install.sh");
        Assert.Equal(HttpStatusCode.OK, installer.StatusCode);
        var script = await installer.Content.ReadAsStringAsync();
        var dir = Directory.CreateTempSubdirectory("pepper-hook-").FullName;
        try
        {
            await System.IO.File.WriteAllTextAsync(Path.Combine(dir, "install.sh"), script);
            var env = new Dictionary<string, string> { ["PEPPER_API_KEY"] = key };
            var git = "git -c user.email=t@t -c user.name=t";
            var (installed, installOut) = await Run(dir, "git init -q -b main . && bash install.sh", env);
            Assert.True(installed == 0, installOut);
            var (clean, cleanOut) = await Run(dir, $"echo 'print(1)' > app.py && git add app.py && {git} commit -qm clean", env);
            Assert.True(clean == 0, cleanOut);
            var (leak, leakOut) = await Run(dir, $"mkdir -p deploy && printf '{secret.Replace("\n", "\\n")}' > deploy/aws.ini && git add deploy && {git} commit -qm leak", env);
            Assert.True(leak != 0, leakOut);
            Assert.Contains("commit blocked", leakOut);
            Assert.Contains("deploy/aws.ini:2", leakOut);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public async Task A_stopped_scan_resumes_as_a_linked_rescan_and_a_nightly_schedule_and_the_ide_read_the_project()
    {
        var (http, _) = await TenantAsync("pepper-doc-project");
        await using var git = await GitRepositoryServer.StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await Send(http, HttpMethod.Post, $"{Api}/projects", new { projectId = "app", name = "App", repoUrl = git.Url })).Status);

        // Before any scan the IDE sees the project and no scan.
        var (ideStatus, ide) = await Send(http, HttpMethod.Get, $"{Api}/ide/findings?projectId=app&filePath={GitRepositoryServer.SecretFile}&minSeverity=HIGH");
        Assert.Equal(HttpStatusCode.OK, ideStatus);
        Assert.Equal("app", ide.GetProperty("project").GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Null, ide.GetProperty("scan").ValueKind);

        var (_, started) = await Send(http, HttpMethod.Post, $"{Api}/scans", new { scanType = "SECRETS_ONLY", projectId = "app" });
        var id = started.GetProperty("scanId").GetString()!;
        var (stopStatus, stopped) = await Send(http, HttpMethod.Post, $"{Api}/scans/{id}/stop");
        if (stopStatus == HttpStatusCode.OK)
        {
            Assert.Equal("STOPPED", stopped.GetProperty("status").GetString());
            var (resumeStatus, resumed) = await Send(http, HttpMethod.Post, $"{Api}/scans/{id}/resume");
            Assert.True(resumeStatus == HttpStatusCode.Created, resumed.ToString());
            Assert.Equal(id, resumed.GetProperty("rescanOf").GetString());
            id = resumed.GetProperty("id").GetString()!;
        }
        else Assert.Equal(HttpStatusCode.Conflict, stopStatus); // over before it could be stopped
        var scan = await PepperCompatTests.WaitForEndAsync(http, id);
        Assert.Equal("COMPLETED", scan.GetProperty("status").GetString());

        (ideStatus, ide) = await Send(http, HttpMethod.Get, $"{Api}/ide/findings?projectId=app&filePath={GitRepositoryServer.SecretFile}&minSeverity=HIGH");
        Assert.Equal(HttpStatusCode.OK, ideStatus);
        Assert.Equal(id, ide.GetProperty("scan").GetProperty("id").GetString());
        DocumentedShape.Assert(ide, """
            { "project": {}, "scan": {}, "findings": [ { "id": "…", "severity": "HIGH", "title": "…", "filePath": "src/foo.ts", "startLine": 42 } ] }
            """);
        var f = Assert.Single(ide.GetProperty("findings").EnumerateArray());
        Assert.Equal(GitRepositoryServer.SecretFile, f.GetProperty("filePath").GetString());
        Assert.Equal(GitRepositoryServer.SecretLine, f.GetProperty("startLine").GetInt32());
        Assert.Equal("HIGH", f.GetProperty("severity").GetString());
        Assert.Empty((await Send(http, HttpMethod.Get, $"{Api}/ide/findings?projectId=app&filePath=src/other.py")).Body.GetProperty("findings").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await Send(http, HttpMethod.Get, $"{Api}/ide/findings?projectId=nope")).Status);

        var (scheduleStatus, schedule) = await Send(http, HttpMethod.Post, $"{Api}/projects/app/schedule", new { cron = "nightly" });
        Assert.True(scheduleStatus == HttpStatusCode.Created, schedule.ToString());
        Assert.Equal("0 2 * * *", schedule.GetProperty("cron").GetString());
        Assert.Equal("FULL", schedule.GetProperty("scanType").GetString());
        var (_, weekly) = await Send(http, HttpMethod.Post, $"{Api}/projects/app/schedule", new { cron = "weekly", scanType = "SECRETS_ONLY" });
        Assert.Equal("0 2 * * 1", weekly.GetProperty("cron").GetString());
    }

    [Fact]
    public async Task What_ScanGate_cannot_do_is_a_501_with_the_reason()
    {
        var (http, _) = await TenantAsync("pepper-doc-501");
        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
                 {
                     (HttpMethod.Get, $"{Api}/integrations", null),
                     (HttpMethod.Post, $"{Api}/integrations", new { kind = "SLACK", name = "Security channel", config = new { webhookUrl = "https://hooks.slack.com/services/x" } }),
                     (HttpMethod.Delete, $"{Api}/integrations/int_1", null),
                     (HttpMethod.Post, $"{Api}/integrations/test", new { kind = "SIEM" }),
                     (HttpMethod.Post, $"{Api}/scans/scn_1/findings/fnd_1/suggest-fix", null),
                     (HttpMethod.Post, $"{Api}/scans/scn_1/findings/fnd_1/open-pr", new { branch = "pepper/fix-cl123" }),
                     (HttpMethod.Post, $"{Api}/scans", new { scanType = "FULL", svnUrl = "svn://svn.example.test/app", svnRevision = "42" }),
                 })
        {
            var (status, problem) = await Send(http, method, path, body);
            Assert.True(status == HttpStatusCode.NotImplemented, $"{method} {path}: {status} {problem}");
            Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        }
        // Still behind the key: no key is a 401, not a 501.
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(scangate.Client(null), HttpMethod.Get, $"{Api}/integrations")).Status);
    }
}
