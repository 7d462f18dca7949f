using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Scanners.Adapters;

namespace ScanGate.Tests.Scanners;

/// <summary>What each profile asks of its tool: the arguments are the profile's, the target is one argument of its own,
/// and progress is read from the tool's output.</summary>
public class ScanProfileTests
{
    private static RunSpec Spec(string scanner, string target, string profile, string? branch = null) =>
        ProgressAndPlanTests.Spec(scanner, target, profile, branch);

    [Fact]
    public void Nmap_profiles_choose_their_scripts_and_ports_and_the_request_chooses_neither()
    {
        var nmap = new NmapAdapter();
        var vuln = nmap.Plan(Spec("nmap", "127.0.0.1", "vulnerability_scan")).Arguments;
        Assert.Contains("-sV", vuln);
        Assert.Equal(["--script", NmapAdapter.VulnerabilityScripts], vuln.SkipWhile(a => a != "--script").Take(2));
        Assert.Contains("not (external", NmapAdapter.VulnerabilityScripts);
        Assert.Equal(["--top-ports", "1000"], vuln.SkipWhile(a => a != "--top-ports").Take(2));
        Assert.Equal(["--", "127.0.0.1"], vuln.TakeLast(2));

        var full = nmap.Plan(Spec("nmap", "10.0.0.0/24", "comprehensive")).Arguments;
        Assert.Equal(["--top-ports", "10000"], full.SkipWhile(a => a != "--top-ports").Take(2));
        Assert.Equal(["--script", NmapAdapter.ComprehensiveScripts], full.SkipWhile(a => a != "--script").Take(2));
        Assert.Equal(["-p", "22,443"], nmap.Plan(Spec("nmap", "10.0.0.1:22,443", "comprehensive")).Arguments.SkipWhile(a => a != "-p").Take(2));
        Assert.DoesNotContain("--script", nmap.Plan(Spec("nmap", "10.0.0.1", "service_detection")).Arguments);
    }

    [Fact]
    public void Testssl_profiles_map_to_its_options_with_the_target_last()
    {
        var testssl = new TestsslAdapter();
        string[] Args(string profile) => testssl.Plan(Spec("testssl", "127.0.0.1:8443", profile)).Arguments.ToArray();
        Assert.Contains("--vulnerable", Args("vulnerability"));
        Assert.Contains("--full", Args("comprehensive"));
        Assert.Contains("--protocols", Args("quick"));
        Assert.DoesNotContain(Args("standard"), a => a is "--vulnerable" or "--full" or "--protocols");
        Assert.All(new[] { "quick", "standard", "comprehensive", "vulnerability" }, p => Assert.Equal("127.0.0.1:8443", Args(p)[^1]));
    }

    [Fact]
    public void Testssl_vulnerability_progress_follows_its_checks()
    {
        var p = new TestsslAdapter().NewProgressParser(Spec("testssl", "127.0.0.1:443", "vulnerability"));
        Assert.Equal(0, p.Parse(" Heartbleed (CVE-2014-0160)                not vulnerable (OK), no heartbeat extension")!.Value.Percent);
        Assert.Equal(83, p.Parse(" LUCKY13 (CVE-2013-0169), experimental     potentially VULNERABLE, uses cipher block chaining (CBC) ciphers")!.Value.Percent);
        Assert.Null(p.Parse("                                           make sure you don't use this certificate elsewhere"));
    }

    [Fact]
    public void Nuclei_profiles_filter_templates_by_tag_and_severity_and_never_run_denial_of_service()
    {
        var nuclei = new NucleiAdapter();
        IReadOnlyList<string> Args(string profile) => nuclei.Plan(Spec("nuclei", "https://app.example.test/", profile)).Arguments;
        Assert.Equal(["-tags", "cve"], Args("cve").SkipWhile(a => a != "-tags").Take(2));
        Assert.Contains("misconfig", Args("misconfig").SkipWhile(a => a != "-tags").Skip(1).First());
        Assert.Equal(["-severity", "high,critical"], Args("quick").SkipWhile(a => a != "-severity").Take(2));
        Assert.DoesNotContain("-severity", Args("comprehensive"));
        foreach (var profile in new[] { "quick", "standard", "comprehensive", "cve", "misconfig" })
        {
            var args = Args(profile);
            Assert.Contains("dos", args.SkipWhile(a => a != "-exclude-tags").Skip(1).First());
            Assert.Equal(["-target", "https://app.example.test/"], args.TakeLast(2));
            Assert.Contains("-disable-update-check", args);
            Assert.Contains("-no-interactsh", args);
        }
        Assert.Equal("/out/report.jsonl", nuclei.Plan(Spec("nuclei", "https://a.test/", "standard")).ReportPath);
    }

    [Fact]
    public void Nuclei_progress_reads_its_json_statistics()
    {
        var p = new NucleiAdapter().NewProgressParser(Spec("nuclei", "https://a.test/", "standard"));
        Assert.Equal(42, p.Parse("""{"duration":"0:00:10","errors":"0","hosts":"1","matched":"2","percent":"42","requests":"812","rps":"81","startedAt":"2025-03-04T10:15:00Z","templates":"3913","total":"1933"}""")!.Value.Percent);
        Assert.Equal(99, p.Parse("""{"percent":100}""")!.Value.Percent);
        Assert.Null(p.Parse("[INF] Templates loaded for current scan: 3913"));
        Assert.Null(p.Parse("{not json, percent"));
    }

    [Fact]
    public void Zap_profiles_pick_the_script_and_the_api_profiles_import_an_openapi_definition()
    {
        var zap = new ZapAdapter();
        IReadOnlyList<string> Args(string profile) => zap.Plan(Spec("zap", "https://app.example.test/openapi.json", profile)).Arguments;
        Assert.Equal(["zap-baseline.py", "-t", "https://app.example.test/openapi.json", "-m", "1"], Args("quick").Take(5));
        Assert.Equal(["-m", "5"], Args("standard").SkipWhile(a => a != "-m").Take(2));
        Assert.Equal("zap-full-scan.py", Args("comprehensive")[0]);
        Assert.Equal(["zap-api-scan.py", "-t", "https://app.example.test/openapi.json", "-f", "openapi", "-S"], Args(ZapAdapter.ApiQuick).Take(6));
        Assert.DoesNotContain("-S", Args(ZapAdapter.ApiStandard));
        Assert.Equal(["-J", "report.json"], Args("quick").TakeLast(2));
        var plan = zap.Plan(Spec("zap", "https://a.test/", "quick"));
        Assert.Equal("/zap/wrk/report.json", plan.ReportPath);
        Assert.Contains(2L, plan.SuccessExitCodes); // warnings
    }

    [Fact]
    public void Kube_linter_plan_hands_url_checks_and_branch_to_the_entry_point_as_separate_arguments()
    {
        var kube = new KubeLinterAdapter();
        Assert.Equal(["https://git.example.test/ops.git", "default"], kube.Plan(Spec("kube-linter", "https://git.example.test/ops.git", "standard")).Arguments);
        Assert.Equal(["https://git.example.test/ops.git", "all", "release/2"], kube.Plan(Spec("kube-linter", "https://git.example.test/ops.git", "comprehensive", "release/2")).Arguments);
        Assert.Equal([0L, 1L], kube.Plan(Spec("kube-linter", "https://git.example.test/ops.git", "standard")).SuccessExitCodes);
        var progress = kube.NewProgressParser(Spec("kube-linter", "https://git.example.test/ops.git", "standard"));
        Assert.Equal(new ProgressUpdate("cloning", 10), progress.Parse("phase: cloning"));
        Assert.Equal(new ProgressUpdate("linting", 50), progress.Parse("phase: linting\n"));
        Assert.Null(progress.Parse("phase: scanning")); // gitleaks' word, not kube-linter's
    }
}
