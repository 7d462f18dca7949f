using System.Text;
using System.Text.Json;
using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Scanners.Sarif;

namespace ScanGate.Tests.Scanners;

/// <summary>The generic SARIF 2.1.0 importer on small reports written for each rule of the standard it applies.</summary>
public class SarifImporterTests
{
    private static async Task<(List<Finding> Findings, FindingContext Context)> ImportAsync(string sarif, string? category = FindingCategories.Sast,
        string? sourceRoot = null)
    {
        var context = new FindingContext("scn_TEST", "upload");
        var list = new List<Finding>();
        var options = new SarifImportOptions { Category = category, SourceRoot = sourceRoot };
        await foreach (var f in SarifImporter.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(sarif)), context, options)) list.Add(f);
        return (list, context);
    }

    private static string Run(string rules, string results, string tool = "demo", string extensions = "[]") => $$$"""
        {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "{{{tool}}}", "rules": {{{rules}}}}, "extensions": {{{extensions}}}}, "results": {{{results}}}}]}
        """;

    private static string At(string file, int line) =>
        $$$$"""[{"physicalLocation": {"artifactLocation": {"uri": "{{{{file}}}}"}, "region": {"startLine": {{{{line}}}}}}}]""";

    private const string TwoRules = """
        [{"id": "R1", "name": "FirstRule", "shortDescription": {"text": "First rule"}, "helpUri": "https://rules.example.test/r1",
          "help": {"text": "Do it the first way."}},
         {"id": "R2", "shortDescription": {"text": "Second rule"}, "defaultConfiguration": {"level": "error"},
          "properties": {"tags": ["security", "external/cwe/cwe-079", "CWE-352: Cross-Site Request Forgery"]}}]
        """;

    [Fact]
    public async Task Rules_are_found_by_index_by_id_and_in_an_extension()
    {
        var extensions = """[{"name": "pack", "rules": [{"id": "X1", "shortDescription": {"text": "Extension rule"}}]}]""";
        var results = $$$"""
            [{"ruleId": "R2", "ruleIndex": 1, "message": {"text": "by index"}, "locations": {{{At("a.js", 1)}}}},
             {"ruleId": "R1", "message": {"text": "by id"}, "locations": {{{At("a.js", 2)}}}},
             {"rule": {"id": "X1", "index": 0, "toolComponent": {"index": 0}}, "message": {"text": "in an extension"}, "locations": {{{At("a.js", 3)}}}},
             {"ruleId": "R1/sub-case", "message": {"text": "by its parent's id"}, "locations": {{{At("a.js", 4)}}}},
             {"ruleId": "NOPE", "message": {"text": "Unknown rule\nsecond line"}, "locations": {{{At("a.js", 5)}}}}]
            """;
        var (findings, context) = await ImportAsync(Run(TwoRules, results, extensions: extensions));

        Assert.Empty(context.Warnings);
        Assert.Equal(["R2", "R1", "X1", "R1/sub-case", "NOPE"], findings.Select(f => f.RuleId));
        Assert.Equal(["Second rule", "First rule", "Extension rule", "First rule", "Unknown rule"], findings.Select(f => f.Title));
        Assert.Equal("by index", findings[0].Description);
        Assert.Equal(["CWE-79", "CWE-352"], findings[0].References);
        Assert.Equal(["https://rules.example.test/r1"], findings[1].References);
        Assert.Equal("Do it the first way.", findings[1].Remediation);
        Assert.All(findings, f => Assert.Equal(("a.js", FindingCategories.Sast, "upload"), (f.Location.File, f.Category, f.Scanner)));
    }

    [Fact]
    public async Task A_missing_level_falls_back_to_the_rules_default_then_to_warning()
    {
        var results = $$$"""
            [{"ruleId": "R2", "message": {"text": "rule default error"}, "locations": {{{At("a.py", 1)}}}},
             {"ruleId": "R1", "message": {"text": "SARIF default warning"}, "locations": {{{At("a.py", 2)}}}},
             {"ruleId": "R2", "level": "note", "message": {"text": "own level wins"}, "locations": {{{At("a.py", 3)}}}},
             {"ruleId": "R1", "level": "none", "kind": "informational", "message": {"text": "none"}, "locations": {{{At("a.py", 4)}}}},
             {"ruleId": "R1", "kind": "review", "message": {"text": "not a failure, no level"}, "locations": {{{At("a.py", 5)}}}}]
            """;
        var (findings, _) = await ImportAsync(Run(TwoRules, results));
        Assert.Equal([Severity.High, Severity.Medium, Severity.Low, Severity.Info, Severity.Info], findings.Select(f => f.Severity));
    }

    [Theory]
    [InlineData("\"9.8\"", "note", Severity.Critical)]
    [InlineData("\"7.5\"", "note", Severity.High)]
    [InlineData("5.0", "error", Severity.Medium)]
    [InlineData("\"2.1\"", "error", Severity.Low)]
    [InlineData("\"not a number\"", "error", Severity.High)]
    [InlineData("\"12\"", "warning", Severity.Medium)]
    public async Task Security_severity_is_a_cvss_like_score_that_outranks_the_level(string score, string level, Severity expected)
    {
        var rules = $$$"""[{"id": "S", "properties": {"security-severity": {{{score}}}}}]""";
        var results = $$$"""[{"ruleId": "S", "level": "{{{level}}}", "message": {"text": "m"}, "locations": {{{At("a.go", 1)}}}}]""";
        var (findings, _) = await ImportAsync(Run(rules, results));
        Assert.Equal(expected, Assert.Single(findings).Severity);
    }

    [Fact]
    public async Task Locations_become_paths_relative_to_the_source_root_with_their_start_line()
    {
        var results = $$$"""
            [{"ruleId": "R1", "message": {"text": "m"}, "locations": {{{At("file:///work/repo/src/my%20app/index.js", 12)}}}},
             {"ruleId": "R1", "message": {"text": "m"}, "locations": {{{At("./lib/util.js", 3)}}}},
             {"ruleId": "R1", "message": {"text": "m"}, "locations": {{{At("file:///elsewhere/x.js", 0)}}}},
             {"ruleId": "R1", "message": {"text": "no location"}}]
            """;
        var (findings, _) = await ImportAsync(Run(TwoRules, results), sourceRoot: "/work/repo");
        Assert.Equal(("src/my app/index.js", 12), (findings[0].Location.File, findings[0].Location.Line));
        Assert.Equal(("lib/util.js", 3), (findings[1].Location.File, findings[1].Location.Line));
        Assert.Equal(("elsewhere/x.js", (int?)null), (findings[2].Location.File, findings[2].Location.Line));
        Assert.Null(findings[3].Location.File);
    }

    [Fact]
    public async Task Passing_not_applicable_suppressed_and_absent_results_are_left_out()
    {
        var results = $$$"""
            [{"ruleId": "R1", "kind": "pass", "message": {"text": "passed"}, "locations": {{{At("a.tf", 1)}}}},
             {"ruleId": "R1", "kind": "notApplicable", "message": {"text": "n/a"}, "locations": {{{At("a.tf", 2)}}}},
             {"ruleId": "R1", "message": {"text": "suppressed in source"}, "suppressions": [{"kind": "inSource"}], "locations": {{{At("a.tf", 3)}}}},
             {"ruleId": "R1", "message": {"text": "suppression under review"}, "suppressions": [{"kind": "external", "status": "underReview"}], "locations": {{{At("a.tf", 4)}}}},
             {"ruleId": "R1", "message": {"text": "suppression rejected"}, "suppressions": [{"kind": "external", "status": "rejected"}], "locations": {{{At("a.tf", 5)}}}},
             {"ruleId": "R1", "baselineState": "absent", "message": {"text": "fixed since the baseline"}, "locations": {{{At("a.tf", 6)}}}},
             {"ruleId": "R1", "baselineState": "new", "message": {"text": "new"}, "locations": {{{At("a.tf", 7)}}}}]
            """;
        var (findings, _) = await ImportAsync(Run(TwoRules, results));
        Assert.Equal([4, 5, 7], findings.Select(f => f.Location.Line!.Value));
    }

    [Fact]
    public async Task A_message_given_by_id_is_the_rules_message_string_with_its_arguments()
    {
        var rules = """[{"id": "M", "messageStrings": {"default": {"text": "Variable {0} flows into {1}."}}}]""";
        var results = $$$"""[{"ruleId": "M", "message": {"id": "default", "arguments": ["name", "exec"]}, "locations": {{{At("a.rb", 2)}}}}]""";
        var (findings, _) = await ImportAsync(Run(rules, results));
        var f = Assert.Single(findings);
        Assert.Equal("Variable name flows into exec.", f.Description);
        Assert.Equal("Variable name flows into exec.", f.Title); // no short description: the message
    }

    [Fact]
    public async Task A_short_description_that_only_repeats_the_rule_id_gives_way_to_the_message()
    {
        var rules = """[{"id": "py.eval", "shortDescription": {"text": "Semgrep Finding: py.eval"}}]""";
        var results = $$$"""[{"ruleId": "py.eval", "message": {"text": "eval of input"}, "locations": {{{At("a.py", 2)}}}}]""";
        var (findings, _) = await ImportAsync(Run(rules, results));
        Assert.Equal("eval of input", Assert.Single(findings).Title);
    }

    [Fact]
    public async Task Fingerprints_are_scangates_own_and_ignore_the_tools_partial_fingerprints()
    {
        var results = $$$"""
            [{"ruleId": "R1", "message": {"text": "m"}, "partialFingerprints": {"primaryLocationLineHash": "aaa"}, "locations": {{{At("a.c", 7)}}}},
             {"ruleId": "R1", "message": {"text": "m"}, "partialFingerprints": {"primaryLocationLineHash": "bbb"}, "locations": {{{At("a.c", 7)}}}},
             {"ruleId": "R1", "message": {"text": "m"}, "partialFingerprints": {"primaryLocationLineHash": "aaa"}, "locations": {{{At("a.c", 8)}}}},
             {"ruleId": "R2", "message": {"text": "m"}, "locations": {{{At("a.c", 7)}}}}]
            """;
        var (findings, _) = await ImportAsync(Run(TwoRules, results));
        Assert.Equal(findings[0].Fingerprint, findings[1].Fingerprint);
        Assert.Equal(3, findings.Select(f => f.Fingerprint).Distinct().Count());
        Assert.Equal(Fingerprints.Of("upload", "R1", "a.c|7"), findings[0].Fingerprint);
        var (again, _) = await ImportAsync(Run(TwoRules, results));
        Assert.Equal(findings.Select(f => f.Fingerprint), again.Select(f => f.Fingerprint));
    }

    [Fact]
    public async Task Each_run_uses_its_own_rules_and_without_a_category_its_tools_kind()
    {
        var sarif = $$$"""
            {"version": "2.1.0", "runs": [
              {"tool": {"driver": {"name": "Checkov", "rules": [{"id": "CKV_AWS_20", "shortDescription": {"text": "Public bucket"}}]}},
               "results": [{"ruleId": "CKV_AWS_20", "ruleIndex": 0, "level": "error", "message": {"text": "m"}, "locations": {{{At("main.tf", 1)}}}}]},
              {"tool": {"driver": {"name": "secretlint", "rules": [{"id": "aws", "shortDescription": {"text": "AWS key"}}]}},
               "results": [{"ruleId": "aws", "ruleIndex": 0, "message": {"text": "found key"}, "locations": {{{At("a.ini", 2)}}}}]},
              {"tool": {"driver": {"name": "ESLint", "rules": [{"id": "no-eval", "shortDescription": {"text": "No eval"}}]}},
               "results": [{"ruleId": "no-eval", "ruleIndex": 0, "message": {"text": "m"}, "locations": {{{At("a.js", 3)}}}}]}]}
            """;
        var (findings, _) = await ImportAsync(sarif, category: null);
        Assert.Equal([FindingCategories.Iac, FindingCategories.Secret, FindingCategories.Sast], findings.Select(f => f.Category));
        Assert.Equal(["Public bucket", "AWS key", "No eval"], findings.Select(f => f.Title));

        var (given, _) = await ImportAsync(sarif, category: FindingCategories.Iac);
        Assert.All(given, f => Assert.Equal(FindingCategories.Iac, f.Category));
        await Assert.ThrowsAsync<ArgumentException>(() => ImportAsync(sarif, category: "nonsense"));
    }

    [Fact]
    public async Task A_run_whose_tool_comes_after_its_results_is_read_without_rule_metadata_and_says_so()
    {
        var sarif = $$$$"""
            {"version": "2.1.0", "runs": [{"results": [{"ruleId": "R2", "ruleIndex": 1, "message": {"text": "late tool"}, "locations": {{{{At("a.js", 1)}}}}}],
              "tool": {"driver": {"name": "demo", "rules": {{{{TwoRules}}}}}}}]}
            """;
        var (findings, context) = await ImportAsync(sarif);
        var f = Assert.Single(findings);
        Assert.Equal(("R2", "late tool", Severity.Medium), (f.RuleId, f.Title, f.Severity));
        Assert.Contains(context.Warnings, w => w.Contains("before its tool", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_truncated_report_yields_the_results_before_the_cut_and_a_warning()
    {
        var results = $$$"""
            [{"ruleId": "R1", "message": {"text": "one"}, "locations": {{{At("a.js", 1)}}}},
             {"ruleId": "R2", "message": {"text": "two"}, "locations": {{{At("a.js", 2)}}}},
             {"ruleId": "R1", "message": {"text": "three"}, "locations": {{{At("a.js", 3)}}}}]
            """;
        var sarif = Run(TwoRules, results);
        var (findings, context) = await ImportAsync(sarif[..sarif.IndexOf("three", StringComparison.Ordinal)]);
        Assert.Equal(["one", "two"], findings.Select(f => f.Description));
        Assert.Contains(context.Warnings, w => w.Contains("incomplete", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Secret_findings_never_keep_the_secret_even_when_the_tool_did_not_mask_it()
    {
        const string key = "AKIAQWERTYUIOPASDFGH";
        const string pem = "-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\\n-----END OPENSSH PRIVATE KEY-----";
        var results = $$$"""
            [{"ruleId": "aws", "message": {"text": "found AWS access key {{{key}}} in config"}, "locations": {{{At("c.ini", 2)}}}},
             {"ruleId": "pk", "message": {"text": "found private key: {{{pem}}}"}, "locations": {{{At("id_ed25519", 1)}}}},
             {"ruleId": "pw", "message": {"text": "found password: ****************"}, "locations": {{{At("deploy/production-settings.yaml", 4)}}}}]
            """;
        var (findings, _) = await ImportAsync(Run("[]", results), FindingCategories.Secret);
        var stored = JsonSerializer.Serialize(findings);
        Assert.DoesNotContain(key, stored);
        Assert.DoesNotContain("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ", stored);
        Assert.Equal("found AWS access key **** in config", findings[0].Title);
        Assert.Equal("found private key: ****", findings[1].Title);
        Assert.Equal("found password: ****", findings[2].Title);
        Assert.Equal("deploy/production-settings.yaml", findings[2].Location.File);

        var (sast, _) = await ImportAsync(Run("[]", results), FindingCategories.Sast);
        Assert.Contains(key, sast[0].Title); // only secret findings are redacted
    }

    [Theory]
    [InlineData("Checkov", FindingCategories.Iac)]
    [InlineData("tfsec", FindingCategories.Iac)]
    [InlineData("gitleaks", FindingCategories.Secret)]
    [InlineData("osv-scanner", FindingCategories.Vulnerability)]
    [InlineData("CodeQL", FindingCategories.Sast)]
    [InlineData(null, FindingCategories.Sast)]
    public void The_category_of_an_upload_follows_its_tool(string? tool, string expected) =>
        Assert.Equal(expected, SarifImporter.CategoryForTool(tool));
}
