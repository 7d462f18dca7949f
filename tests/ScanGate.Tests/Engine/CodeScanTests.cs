using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ScanGate.Contracts;
using ScanGate.Storage;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Engine;

/// <summary>One test cluster for the source-code scans (starting one per test costs more than the scans).</summary>
public sealed class CodeScanCluster : ScanClusterFixture;

/// <summary>bandit, ESLint with eslint-plugin-security and secretlint in their real containers (images from
/// deploy/scanners), each cloning a repository the test creates and serves with `git daemon` on 127.0.0.1.</summary>
public sealed class CodeScanTests(CodeScanCluster fixture) : IClassFixture<CodeScanCluster>
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(4);
    private ScanCluster Cluster => fixture.Cluster;

    private const string PythonWithProblems = """
        import subprocess


        def run(command):
            return subprocess.call(command, shell=True)


        def compute(expression):
            return eval(expression)
        """;

    private const string JavaScriptWithProblems = """
        "use strict";

        function handle(userInput) {
          return eval(userInput);
        }

        function plugin(name) {
          return require(name);
        }

        function matcher(pattern) {
          return new RegExp(pattern);
        }

        module.exports = { handle, plugin, matcher };
        """;

    private async Task<(ScanSnapshot Done, IReadOnlyList<Finding> Findings)> ScanAsync(GitRepositoryServer git, string scanType, params string[] scanners)
    {
        var id = await Cluster.StartScanAsync(new { scan_type = scanType, target = git.Url, scanners, fail_on_severity = "high" });
        var done = await Cluster.WaitForEndAsync(id, Long);
        Assert.True(done.Status == ScanStatus.Completed, JsonSerializer.Serialize(done.Scanners));
        Assert.All(done.Scanners, s => Assert.True(s.Status == RunStatus.Completed, JsonSerializer.Serialize(s)));
        return (done, await Cluster.AllFindingsAsync(id));
    }

    [Fact]
    public async Task Bandit_reports_the_shell_command_and_the_eval_planted_in_a_python_file()
    {
        await using var git = await GitRepositoryServer.StartAsync(new Dictionary<string, string> { ["app/tasks.py"] = PythonWithProblems });
        var (done, findings) = await ScanAsync(git, "sast", "bandit");

        var shell = Assert.Single(findings, f => f.RuleId == "B602");
        Assert.Equal(("app/tasks.py", 5, Severity.High), (shell.Location.File, shell.Location.Line, shell.Severity));
        Assert.Equal(FindingCategories.Sast, shell.Category);
        Assert.Contains("CWE-78", shell.References);
        var eval = Assert.Single(findings, f => f.RuleId == "B307");
        Assert.Equal(("app/tasks.py", 9, Severity.Medium), (eval.Location.File, eval.Location.Line, eval.Severity));
        Assert.All(findings, f => Assert.Equal("bandit", f.Scanner));
        Assert.False(done.GatePassed); // a high finding, fail_on_severity=high
    }

    [Fact]
    public async Task Eslint_reports_eval_of_input_and_a_non_literal_require_and_regexp_planted_in_a_javascript_file()
    {
        await using var git = await GitRepositoryServer.StartAsync(new Dictionary<string, string> { ["web/handler.js"] = JavaScriptWithProblems });
        var (done, findings) = await ScanAsync(git, "sast", "eslint");

        Assert.Equal(
            ["security/detect-eval-with-expression@4", "security/detect-non-literal-require@8", "security/detect-non-literal-regexp@12"],
            findings.OrderBy(f => f.Location.Line).Select(f => $"{f.RuleId}@{f.Location.Line}"));
        Assert.All(findings, f => Assert.Equal(("web/handler.js", Severity.Medium, FindingCategories.Sast), (f.Location.File, f.Severity, f.Category)));
        Assert.True(done.GatePassed); // medium findings only, fail_on_severity=high
    }

    [Fact]
    public async Task Secretlint_reports_a_private_key_and_an_aws_secret_key_and_stores_neither()
    {
        using var rsa = RSA.Create(2048);
        var pem = rsa.ExportPkcs8PrivateKeyPem();
        var secretKey = RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 40);
        await using var git = await GitRepositoryServer.StartAsync(new Dictionary<string, string>
        {
            ["config/settings.ini"] = $"[aws]\nregion = eu-west-1\naws_secret_access_key = {secretKey}\n",
            ["deploy/server.key"] = pem + "\n",
        });
        var id = await Cluster.StartScanAsync(new { scan_type = "secret_scan", target = git.Url, scanners = new[] { "secretlint" }, fail_on_severity = "high" });
        var done = await Cluster.WaitForEndAsync(id, Long);
        Assert.True(done.Status == ScanStatus.Completed, JsonSerializer.Serialize(done.Scanners));
        var findings = await Cluster.AllFindingsAsync(id);

        var aws = Assert.Single(findings, f => f.Location.File == "config/settings.ini");
        Assert.Equal((3, Severity.High, FindingCategories.Secret), (aws.Location.Line, aws.Severity, aws.Category));
        Assert.EndsWith("secretlint-rule-aws", aws.RuleId);
        var key = Assert.Single(findings, f => f.Location.File == "deploy/server.key");
        Assert.Equal((1, Severity.High), (key.Location.Line, key.Severity));
        Assert.EndsWith("secretlint-rule-privatekey", key.RuleId);
        Assert.False(done.GatePassed);

        // Neither the findings nor the tool's raw report kept as an artifact hold the secrets.
        var keyBody = pem.Split('\n')[1];
        var stored = JsonSerializer.Serialize(findings);
        Assert.DoesNotContain(secretKey, stored);
        Assert.DoesNotContain(keyBody, stored);
        var artifacts = Cluster.SiloServices.GetRequiredService<IArtifactStore>();
        var raw = Assert.Single(await artifacts.ListAsync(id), a => a.Type == ArtifactType.RawReport);
        await using var report = await artifacts.OpenAsync(id, raw.Name);
        var text = await new StreamReader(report!.Content).ReadToEndAsync();
        Assert.Contains("secretlint", text);
        Assert.DoesNotContain(secretKey, text);
        Assert.DoesNotContain(keyBody, text);
    }

    [Fact]
    public async Task A_clean_repository_gives_no_finding_from_any_code_scanner()
    {
        await using var git = await GitRepositoryServer.StartAsync(new Dictionary<string, string>
        {
            ["app/greet.py"] = "def greet(name):\n    return f\"Hello, {name}!\"\n",
            ["web/greet.js"] = "\"use strict\";\n\nfunction greet(name) {\n  return `Hello, ${name}!`;\n}\n\nmodule.exports = { greet };\n",
            ["config/settings.ini"] = "[app]\nregion = eu-west-1\nlog_level = info\n",
        });
        var (done, findings) = await ScanAsync(git, "code_security", "bandit", "eslint", "secretlint");

        Assert.Equal(["bandit", "eslint", "secretlint"], done.Scanners.Select(s => s.Name).Order());
        Assert.Empty(findings);
        Assert.True(done.GatePassed);
    }
}
