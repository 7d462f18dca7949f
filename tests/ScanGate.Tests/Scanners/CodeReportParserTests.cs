using System.Text.Json;
using System.Text.Json.Nodes;
using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Scanners.Adapters;
using static ScanGate.Tests.Infrastructure.Reports;

namespace ScanGate.Tests.Scanners;

/// <summary>
/// The source-code scanners' parsers on their fixtures. Captured from real runs of the images in deploy/scanners:
/// <c>bandit-1.7.10.json</c> (bandit 1.7.10, Debian trixie), <c>eslint-9.39.sarif</c> (ESLint 9.39.5,
/// eslint-plugin-security 4.1.0, @microsoft/eslint-formatter-sarif 3.1.0; one result suppressed in source) and
/// <c>secretlint-11.7.sarif</c> (secretlint 11.7.1, recommended preset, SARIF formatter 11.7.1; a freshly made
/// RSA key and a random AWS secret key, masked by secretlint). Written by hand, field by field after the tools'
/// documented output, because their images cannot be built here (PyPI is not reachable): <c>semgrep-1.99.json</c>
/// (Semgrep 1.99 <c>--json</c>: results[] with check_id, path, start/end, extra.message/severity/metadata/is_ignored)
/// and <c>checkov-3.2.json</c> (Checkov 3.2 <c>-o json</c> with three frameworks: an array of per-framework reports
/// with check_type and results.failed_checks[]); their texts and guideline addresses are illustrative.
/// </summary>
public class CodeReportParserTests
{
    private static async Task<(List<Finding> Findings, FindingContext Context)> ParseFixtureAsync(IContainerScanner adapter, string fixture) =>
        await ParseAsync(adapter, await File.ReadAllTextAsync(Fixture(fixture)));

    private static IContainerScanner Adapter(string name) => name switch
    {
        "bandit" => new BanditAdapter(),
        "eslint" => new EslintAdapter(),
        "secretlint" => new SecretlintAdapter(),
        "semgrep" => new SemgrepAdapter(),
        "checkov" => new CheckovAdapter(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Fact]
    public async Task Bandit_report_yields_each_issue_with_its_test_id_file_line_severity_and_cwe()
    {
        var (findings, context) = await ParseFixtureAsync(new BanditAdapter(), "bandit-1.7.10.json");

        Assert.Empty(context.Warnings);
        Assert.Equal(3, findings.Count);
        Assert.All(findings, f => Assert.Equal(FindingCategories.Sast, f.Category));
        Assert.All(findings, f => Assert.Equal("src/tasks.py", f.Location.File));
        var shell = findings.Single(f => f.RuleId == "B602");
        Assert.Equal(Severity.High, shell.Severity);
        Assert.Equal(5, shell.Location.Line);
        Assert.Equal("B602: subprocess call with shell=True identified, security issue.", shell.Title);
        Assert.Contains("CWE-78", shell.References);
        Assert.Contains("https://cwe.mitre.org/data/definitions/78.html", shell.References);
        Assert.Contains(shell.References, r => r.Contains("b602_subprocess_popen_with_shell_equals_true", StringComparison.Ordinal));
        var eval = findings.Single(f => f.RuleId == "B307");
        Assert.Equal((Severity.Medium, 9), (eval.Severity, eval.Location.Line));
        var import = findings.Single(f => f.RuleId == "B404");
        Assert.Equal((Severity.Low, 1), (import.Severity, import.Location.Line));
    }

    [Theory]
    [InlineData("HIGH", "HIGH", Severity.High)]
    [InlineData("HIGH", "MEDIUM", Severity.High)]
    [InlineData("HIGH", "LOW", Severity.Medium)]
    [InlineData("MEDIUM", "LOW", Severity.Low)]
    [InlineData("LOW", "LOW", Severity.Low)]
    [InlineData("UNDEFINED", "HIGH", Severity.Info)]
    public void Bandit_severity_is_lowered_one_step_when_bandit_has_low_confidence(string severity, string confidence, Severity expected) =>
        Assert.Equal(expected, BanditAdapter.Severity(severity, confidence));

    [Fact]
    public async Task Eslint_sarif_yields_security_rule_findings_relative_to_the_repository_and_leaves_out_suppressed_ones()
    {
        var (findings, context) = await ParseFixtureAsync(new EslintAdapter(), "eslint-9.39.sarif");

        Assert.Empty(context.Warnings);
        Assert.Equal(
            ["security/detect-non-literal-regexp@src/patterns.js:2", "security/detect-eval-with-expression@src/server.js:4", "security/detect-non-literal-require@src/server.js:8"],
            findings.Select(f => $"{f.RuleId}@{f.Location.File}:{f.Location.Line}"));
        Assert.DoesNotContain(findings, f => f.Location.File == "src/quiet.js"); // eslint-disable-next-line
        Assert.All(findings, f => Assert.Equal((FindingCategories.Sast, Severity.Medium), (f.Category, f.Severity))); // level warning
        var eval = findings.Single(f => f.RuleId == "security/detect-eval-with-expression");
        Assert.StartsWith("Detects \"eval(variable)\"", eval.Title);
        Assert.Equal("eval with argument of type Identifier", eval.Description);
        Assert.Contains(eval.References, r => r.EndsWith("detect-eval-with-expression.md", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Secretlint_sarif_yields_the_secrets_places_as_secret_findings_with_short_masks()
    {
        var (findings, context) = await ParseFixtureAsync(new SecretlintAdapter(), "secretlint-11.7.sarif");

        Assert.Empty(context.Warnings);
        Assert.All(findings, f => Assert.Equal((FindingCategories.Secret, Severity.High), (f.Category, f.Severity)));
        var aws = findings.Single(f => f.RuleId!.EndsWith("secretlint-rule-aws", StringComparison.Ordinal));
        Assert.Equal(("settings.ini", 3), (aws.Location.File, aws.Location.Line));
        Assert.Equal("found AWS Secret Access Key: ****", aws.Title);
        var key = findings.Single(f => f.RuleId!.EndsWith("secretlint-rule-privatekey", StringComparison.Ordinal));
        Assert.Equal(("deploy/server.pem", 1), (key.Location.File, key.Location.Line));
        Assert.Equal("found private key: ****", key.Title);
        Assert.DoesNotContain("*****", JsonSerializer.Serialize(findings));
    }

    [Fact]
    public async Task Semgrep_report_maps_its_severities_and_metadata_and_leaves_out_nosemgrep_results()
    {
        var (findings, context) = await ParseFixtureAsync(new SemgrepAdapter(), "semgrep-1.99.json");

        Assert.Empty(context.Warnings);
        Assert.Equal(3, findings.Count);
        Assert.DoesNotContain(findings, f => f.Location.File == "src/legacy.py"); // is_ignored
        var shell = findings.Single(f => f.RuleId == "python.lang.security.audit.subprocess-shell-true.subprocess-shell-true");
        Assert.Equal((Severity.High, "src/tasks.py", 5), (shell.Severity, shell.Location.File, shell.Location.Line));
        Assert.StartsWith("subprocess.call runs its command through a shell", shell.Title);
        Assert.Contains("CWE-78", shell.References);
        Assert.Contains("A03:2021 - Injection", shell.References);
        Assert.Contains("https://docs.python.org/3/library/subprocess.html", shell.References);
        Assert.Equal("Suggested change: False", shell.Remediation);
        var eval = findings.Single(f => f.RuleId == "python.lang.security.audit.eval-detected.eval-detected");
        Assert.Equal((Severity.Medium, 9), (eval.Severity, eval.Location.Line));
        var require = findings.Single(f => f.Location.File == "src/server.js");
        Assert.Equal(Severity.Low, require.Severity); // INFO
        Assert.Contains("CWE-706", require.References); // cwe as one string, not a list
        Assert.All(findings, f => Assert.Equal(FindingCategories.Sast, f.Category));
    }

    [Theory]
    [InlineData("ERROR", Severity.High)]
    [InlineData("WARNING", Severity.Medium)]
    [InlineData("INFO", Severity.Low)]
    [InlineData("CRITICAL", Severity.Critical)]
    [InlineData("LOW", Severity.Low)]
    public void Semgrep_severity_words(string word, Severity expected) => Assert.Equal(expected, SemgrepAdapter.Severity(word));

    [Fact]
    public async Task Checkov_report_of_several_frameworks_yields_iac_findings_with_medium_for_a_null_severity()
    {
        var (findings, context) = await ParseFixtureAsync(new CheckovAdapter(), "checkov-3.2.json");

        Assert.Empty(context.Warnings);
        Assert.Equal(["CKV_AWS_20", "CKV_AWS_24", "CKV_DOCKER_3", "CKV_SECRET_2"], findings.Select(f => f.RuleId));
        var bucket = findings[0];
        Assert.Equal((FindingCategories.Iac, Severity.Medium, "infra/main.tf", 1), (bucket.Category, bucket.Severity, bucket.Location.File, bucket.Location.Line));
        Assert.Equal("CKV_AWS_20: S3 Bucket has an ACL defined which allows public READ access. (aws_s3_bucket.public)", bucket.Title);
        Assert.Contains("aws_s3_bucket.public in infra/main.tf, lines 1–4", bucket.Description);
        Assert.StartsWith("https://docs.prismacloud.io/", Assert.Single(bucket.References));
        Assert.Equal(Severity.High, findings[1].Severity);
        Assert.Equal(("Dockerfile", 1), (findings[2].Location.File, findings[2].Location.Line));
        var secret = findings[3];
        Assert.Equal((FindingCategories.Secret, "deploy/settings.ini", 3), (secret.Category, secret.Location.File, secret.Location.Line));
        Assert.DoesNotContain("aws_access_key_id", JsonSerializer.Serialize(findings)); // code blocks are never kept
    }

    [Fact]
    public async Task Checkov_report_of_one_framework_is_one_object_and_one_with_nothing_to_check_is_a_bare_summary()
    {
        const string single = """
            {"check_type": "kubernetes", "results": {"failed_checks": [
              {"check_id": "CKV_K8S_20", "check_name": "Containers should not run with allowPrivilegeEscalation", "file_path": "/k8s/app.yaml",
               "file_line_range": [1, 20], "resource": "Deployment.default.app", "severity": "LOW", "guideline": null}]},
             "summary": {"passed": 10, "failed": 1, "checkov_version": "3.2.0"}}
            """;
        var (findings, context) = await ParseAsync(new CheckovAdapter(), single);
        var f = Assert.Single(findings);
        Assert.Equal(("CKV_K8S_20", Severity.Low, "k8s/app.yaml", 1), (f.RuleId, f.Severity, f.Location.File, f.Location.Line));
        Assert.Empty(f.References);
        Assert.Empty(context.Warnings);

        (findings, context) = await ParseAsync(new CheckovAdapter(),
            """{"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0, "resource_count": 0, "checkov_version": "3.2.0"}""");
        Assert.Empty(findings);
        Assert.Empty(context.Warnings);
    }

    public static TheoryData<string, string, string> Fixtures => new()
    {
        { "bandit", "bandit-1.7.10.json", "results" },
        { "eslint", "eslint-9.39.sarif", "runs/0/results" },
        { "secretlint", "secretlint-11.7.sarif", "runs/0/results" },
        { "semgrep", "semgrep-1.99.json", "results" },
        { "checkov", "checkov-3.2.json", "0/results/failed_checks" },
    };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task Fingerprints_are_the_same_in_two_parses_and_one_result_reported_twice_shares_one(string scanner, string fixture, string resultsPath)
    {
        var json = await File.ReadAllTextAsync(Fixture(fixture));
        var (first, _) = await ParseAsync(Adapter(scanner), json);
        var (second, _) = await ParseAsync(Adapter(scanner), json);
        Assert.NotEmpty(first);
        Assert.Equal(first.Select(f => f.Fingerprint), second.Select(f => f.Fingerprint));
        Assert.Equal(first.Count, first.Select(f => f.Fingerprint).Distinct().Count()); // distinct places, distinct fingerprints

        var (doubled, context) = await ParseAsync(Adapter(scanner), WithFirstResultTwice(json, resultsPath));
        Assert.Empty(context.Warnings);
        Assert.Equal(first.Count + 1, doubled.Count);
        Assert.Equal(2, doubled.Count(f => f.Fingerprint == doubled[0].Fingerprint));
        Assert.NotEqual(doubled[0].Id, doubled.Last(f => f.Fingerprint == doubled[0].Fingerprint).Id);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task A_truncated_report_yields_its_complete_entries_and_a_warning(string scanner, string fixture, string resultsPath)
    {
        _ = resultsPath;
        var json = await File.ReadAllTextAsync(Fixture(fixture));
        var (all, _) = await ParseAsync(Adapter(scanner), json);
        // Cut inside the last finding's entry: everything before it is complete.
        var (cut, context) = await ParseAsync(Adapter(scanner), json[..CutPoint(json, all[^1])]);
        Assert.Equal(all.SkipLast(1).Select(f => f.Fingerprint), cut.Select(f => f.Fingerprint));
        Assert.NotEmpty(cut);
        Assert.Contains(context.Warnings, w => w.Contains("incomplete", StringComparison.Ordinal));
    }

    /// <summary>A place inside the entry of <paramref name="last"/>: just after the last mention of its rule.</summary>
    private static int CutPoint(string json, Finding last)
    {
        var rule = last.RuleId!;
        var at = json.LastIndexOf(rule, StringComparison.Ordinal);
        Assert.True(at > 0, $"rule {last.RuleId} not in the report");
        return at + rule.Length;
    }

    /// <summary>The report with the first element of the array at <paramref name="path"/> ("runs/0/results") repeated.</summary>
    private static string WithFirstResultTwice(string json, string path)
    {
        var root = JsonNode.Parse(json)!;
        var node = root;
        foreach (var step in path.Split('/'))
            node = int.TryParse(step, out var i) ? node[i]! : node[step]!;
        var results = node.AsArray();
        results.Add(results[0]!.DeepClone());
        return root.ToJsonString();
    }
}
