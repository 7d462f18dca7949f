using ScanGate.Tests.Infrastructure;
using System.Text;
using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Scanners.Adapters;
using ScanGate.Storage;

namespace ScanGate.Tests.Scanners;

/// <summary>
/// The report parsers of the web and infrastructure scanners. Fixtures whose tool cannot be installed here were written
/// for these tests, field by field after each tool's documented output: Fixtures/nuclei-3.3.jsonl (nuclei 3.3 JSON
/// Lines result events: template-id, info.name/severity/tags/reference/remediation, info.classification.cve-id,
/// cwe-id, cvss-score, cvss-metrics, matched-at, host, matcher-name, extracted-results), Fixtures/zap-2.15-report.json
/// (the traditional JSON report of ZAP 2.15: site[] with @name/@host/@port, alerts[] with pluginid, alertRef, name,
/// riskcode, confidence, desc, solution, reference, cweid, instances[].uri/method/param/evidence) and
/// Fixtures/kube-linter-0.7.json (kube-linter 0.7 `lint --format json`: Checks[], Reports[] with Check,
/// Diagnostic.Message, Remediation, Object.Metadata.FilePath, Object.K8sObject with Namespace, Name and
/// GroupVersionKind, Summary). Fixtures/nmap-7.95-vulnerability-scan.xml and Fixtures/testssl-3.2-vulnerable.json are
/// reports of real runs here (nmap's safe vulnerability scripts against a site with planted weaknesses, testssl
/// --vulnerable against a weakly configured openssl s_server).
/// </summary>
public class WebScannerReportTests
{
    private static string Fixture(string name) => ScanGate.Tests.Infrastructure.Reports.Fixture(name);

    private static Task<(List<Finding> Findings, FindingContext Context)> ParseAsync(IContainerScanner adapter, Stream report, string scanId = "scn_TEST") =>
        ScanGate.Tests.Infrastructure.Reports.ParseAsync(adapter, report, scanId);

    private static async Task<(List<Finding> Findings, FindingContext Context)> ParseFixtureAsync(IContainerScanner adapter, string fixture, string scanId = "scn_TEST")
    {
        await using var file = File.OpenRead(Fixture(fixture));
        return await ParseAsync(adapter, file, scanId);
    }

    /// <summary>The first <paramref name="cutAt"/> characters of a fixture, as a stopped run leaves its report.</summary>
    private static async Task<(List<Finding> Findings, FindingContext Context)> ParseCutAsync(IContainerScanner adapter, string fixture, Func<string, int> cutAt)
    {
        var text = await File.ReadAllTextAsync(Fixture(fixture));
        return await ParseAsync(adapter, new MemoryStream(Encoding.UTF8.GetBytes(text[..cutAt(text)])));
    }

    /// <summary>Two parses of one report (two scans) give the same fingerprints, in the same order, and new ids.</summary>
    private static async Task AssertFingerprintsStableAsync(IContainerScanner adapter, string fixture)
    {
        var (first, _) = await ParseFixtureAsync(adapter, fixture, "scn_FIRST");
        var (second, _) = await ParseFixtureAsync(adapter, fixture, "scn_SECOND");
        Assert.Equal(first.Select(f => f.Fingerprint), second.Select(f => f.Fingerprint));
        Assert.DoesNotContain(first, f => second.Any(s => s.Id == f.Id));
    }

    /// <summary>What a scan keeps of the findings: the store merges those of one fingerprint.</summary>
    private static async Task<IReadOnlyList<Finding>> StoredAsync(IEnumerable<Finding> findings)
    {
        var store = new InMemoryFindingStore();
        await store.AddAsync("scn_TEST", findings.ToList());
        return (await store.ListAsync("scn_TEST", new FindingQuery { Limit = 500 })).Items;
    }

    // ---- nuclei ----

    [Fact]
    public async Task Nuclei_results_carry_severity_cves_cvss_and_the_matched_url()
    {
        var (findings, context) = await ParseFixtureAsync(new NucleiAdapter(), "nuclei-3.3.jsonl");

        Assert.Empty(context.Warnings);
        Assert.Equal(8, findings.Count);
        Severity Of(string template) => findings.First(f => f.RuleId!.Split(':')[0] == template).Severity;
        Assert.Equal(Severity.Critical, Of("CVE-2021-41773"));
        Assert.Equal(Severity.High, Of("CVE-2023-46747"));
        Assert.Equal(Severity.Medium, Of("git-config"));
        Assert.Equal(Severity.Low, Of("weak-cipher-suites"));
        Assert.Equal(Severity.Info, Of("tech-detect"));
        Assert.Equal(Severity.Info, Of("custom-banner-check")); // "unknown"

        var traversal = findings.Single(f => f.RuleId == "CVE-2021-41773:unix-passwd");
        Assert.Equal(FindingCategories.Vulnerability, traversal.Category);
        Assert.Equal(["CVE-2021-41773"], traversal.Cves); // nuclei writes ids in lower case
        Assert.Equal(9.8, traversal.Cvss);
        Assert.Equal("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", traversal.CvssVector);
        Assert.Equal("https://app.example.test/cgi-bin/.%2e/.%2e/.%2e/.%2e/etc/passwd", traversal.Location.Url);
        Assert.Contains("https://nvd.nist.gov/vuln/detail/CVE-2021-41773", traversal.References);
        Assert.Contains("CWE-22", traversal.References);
        Assert.Equal("Upgrade Apache HTTP Server to 2.4.51 or later.", traversal.Remediation);
        Assert.Equal("Apache 2.4.49 - Path Traversal and Remote Code Execution (unix-passwd)", traversal.Title);

        // cve-id and cwe-id may be one string instead of an array; reference too.
        var bigip = findings.Single(f => f.RuleId == "CVE-2023-46747");
        Assert.Equal(["CVE-2023-46747"], bigip.Cves);
        Assert.Equal(8.8, bigip.Cvss);
        Assert.Contains("CWE-288", bigip.References);
        var git = findings.First(f => f.RuleId == "git-config");
        Assert.Equal(FindingCategories.Misconfiguration, git.Category);
        Assert.Contains("https://git-scm.com/docs/git-config", git.References);
        Assert.Contains("https://git.example.test/team/app.git", git.Description);
        Assert.Empty(git.Cves);

        // A TLS template matched host:port, not a URL.
        var ciphers = findings.Single(f => f.RuleId == "weak-cipher-suites:tls-1.0");
        Assert.Null(ciphers.Location.Url);
        Assert.Equal("app.example.test", ciphers.Location.Host);
        Assert.Equal(443, ciphers.Location.Port);
        Assert.Null(ciphers.Cvss);
    }

    [Fact]
    public async Task Nuclei_duplicate_results_share_a_fingerprint_and_merge_into_one_finding()
    {
        var (findings, _) = await ParseFixtureAsync(new NucleiAdapter(), "nuclei-3.3.jsonl");
        var git = findings.Where(f => f.RuleId == "git-config").ToList();
        Assert.Equal(2, git.Count);
        Assert.Equal(git[0].Fingerprint, git[1].Fingerprint);

        var stored = await StoredAsync(findings);
        Assert.Equal(7, stored.Count);
        Assert.Single(stored, f => f.RuleId == "git-config");
        Assert.Equal(findings.Select(f => f.Fingerprint).Distinct().Count(), stored.Count);
    }

    [Fact]
    public Task Nuclei_fingerprints_are_stable_across_two_parses() => AssertFingerprintsStableAsync(new NucleiAdapter(), "nuclei-3.3.jsonl");

    [Fact]
    public async Task Nuclei_report_cut_mid_line_keeps_the_complete_results_and_warns()
    {
        var (findings, context) = await ParseCutAsync(new NucleiAdapter(), "nuclei-3.3.jsonl",
            text => text.IndexOf("weak-cipher-suites", StringComparison.Ordinal) + 40);
        Assert.Equal(4, findings.Count); // lines 1 to 4; the fifth is cut off
        Assert.DoesNotContain(findings, f => f.RuleId!.StartsWith("weak-cipher-suites", StringComparison.Ordinal));
        Assert.Contains(context.Warnings, w => w.Contains("incomplete", StringComparison.Ordinal));
    }

    // ---- ZAP ----

    [Fact]
    public async Task Zap_alerts_map_riskcode_to_severity_one_finding_per_page()
    {
        var (findings, context) = await ParseFixtureAsync(new ZapAdapter(), "zap-2.15-report.json");

        Assert.Empty(context.Warnings);
        // riskcode 3 = high, 2 = medium, 1 = low, 0 = info; confidence 0 (a false positive) is no finding.
        Assert.All(findings.Where(f => f.RuleId == "40012"), f => Assert.Equal(Severity.High, f.Severity));
        Assert.All(findings.Where(f => f.RuleId == "10038-1"), f => Assert.Equal(Severity.Medium, f.Severity));
        Assert.All(findings.Where(f => f.RuleId is "10054-2" or "10035-1" or "90022"), f => Assert.Equal(Severity.Low, f.Severity));
        Assert.Equal(Severity.Info, findings.Single(f => f.RuleId == "10109").Severity);
        Assert.DoesNotContain(findings, f => f.RuleId == "10202");

        // The reflected XSS: a GET with the payload in the query and a POST, on one page: one finding at that page.
        var xss = Assert.Single(findings, f => f.RuleId == "40012");
        Assert.Equal("https://app.example.test/search", xss.Location.Url);
        Assert.Equal("Cross Site Scripting (Reflected)", xss.Title);
        Assert.Equal(FindingCategories.Vulnerability, xss.Category);
        Assert.Contains("CWE-79", xss.References);
        Assert.Contains("https://owasp.org/www-community/attacks/xss/", xss.References);
        Assert.Contains("parameter q", xss.Description);
        Assert.Contains("Confidence: medium.", xss.Description);
        Assert.StartsWith("The page reflects a request parameter", xss.Description); // ZAP's HTML paragraphs, as text
        Assert.StartsWith("Encode every value", xss.Remediation);

        // The missing CSP on three pages (GET and POST of /login are one page), plus the alert repeated for "/".
        var csp = findings.Where(f => f.RuleId == "10038-1").ToList();
        Assert.Equal(["https://app.example.test/", "https://app.example.test/", "https://app.example.test/login", "https://app.example.test/search"],
            csp.Select(f => f.Location.Url!).Order());
        Assert.All(csp, f => Assert.Equal(FindingCategories.Header, f.Category));
        Assert.All(csp, f => Assert.Contains("CWE-693", f.References));

        // The second site: the query is no part of the place; an alert without instances sits at its site.
        Assert.Equal("https://api.example.test/v1/orders", findings.Single(f => f.RuleId == "10035-1").Location.Url);
        Assert.Equal("https://api.example.test", findings.Single(f => f.RuleId == "90022").Location.Url);
        Assert.DoesNotContain(findings.Single(f => f.RuleId == "10109").References, r => r.StartsWith("CWE-", StringComparison.Ordinal)); // cweid -1
    }

    [Fact]
    public async Task Zap_repeated_alert_on_a_page_merges_with_the_first()
    {
        var (findings, _) = await ParseFixtureAsync(new ZapAdapter(), "zap-2.15-report.json");
        var home = findings.Where(f => f.RuleId == "10038-1" && f.Location.Url == "https://app.example.test/").ToList();
        Assert.Equal(2, home.Count);
        Assert.Equal(home[0].Fingerprint, home[1].Fingerprint);

        var stored = await StoredAsync(findings);
        Assert.Equal(3, stored.Count(f => f.RuleId == "10038-1"));
        Assert.Equal(findings.Count - 1, stored.Count);
    }

    [Fact]
    public Task Zap_fingerprints_are_stable_across_two_parses() => AssertFingerprintsStableAsync(new ZapAdapter(), "zap-2.15-report.json");

    [Fact]
    public async Task Zap_report_cut_inside_the_second_site_keeps_the_first_sites_alerts_and_warns()
    {
        var (findings, context) = await ParseCutAsync(new ZapAdapter(), "zap-2.15-report.json",
            text => text.IndexOf("Application Error Disclosure", StringComparison.Ordinal));
        Assert.Single(findings, f => f.RuleId == "40012");
        Assert.Equal(4, findings.Count(f => f.RuleId == "10038-1"));
        Assert.Single(findings, f => f.RuleId == "10035-1"); // complete before the cut
        Assert.DoesNotContain(findings, f => f.RuleId == "90022");
        Assert.Contains(context.Warnings, w => w.Contains("incomplete", StringComparison.Ordinal));
    }

    // ---- kube-linter ----

    [Fact]
    public async Task Kube_linter_reports_are_misconfigurations_of_one_object_in_one_file()
    {
        var (findings, context) = await ParseFixtureAsync(new KubeLinterAdapter(), "kube-linter-0.7.json");

        Assert.Empty(context.Warnings);
        Assert.Equal(6, findings.Count);
        Assert.All(findings, f => Assert.Equal(FindingCategories.Misconfiguration, f.Category));
        var privileged = findings.Single(f => f.RuleId == "privileged-container");
        Assert.Equal(Severity.High, privileged.Severity);
        Assert.Equal("deploy/web.yaml", privileged.Location.File); // relative to the repository
        Assert.Equal("Deployment/shop/web", privileged.Location.Resource);
        Assert.Equal("container \"web\" is privileged", privileged.Description);
        Assert.Equal("Do not run your container as privileged unless it is required.", privileged.Remediation);
        Assert.Equal("privileged-container: Deployment/shop/web", privileged.Title);
        Assert.Equal(Severity.Medium, findings.Single(f => f.RuleId == "no-read-only-root-fs").Severity);
        Assert.Equal(Severity.Medium, findings.Single(f => f.RuleId == "latest-tag").Severity);
        var cpu = findings.Single(f => f.RuleId == "unset-cpu-requirements");
        Assert.Equal(Severity.Low, cpu.Severity);
        Assert.Equal("CronJob/default/cleanup", cpu.Location.Resource); // no namespace in the manifest
        Assert.Equal("charts/shop/templates/cronjob.yaml", cpu.Location.File);

        // One check on two objects of one file: two findings, told apart by the object.
        var nonRoot = findings.Where(f => f.RuleId == "run-as-non-root").ToList();
        Assert.Equal(["Deployment/shop/web", "Deployment/shop/worker"], nonRoot.Select(f => f.Location.Resource!).Order());
        Assert.NotEqual(nonRoot[0].Fingerprint, nonRoot[1].Fingerprint);
        Assert.Equal(6, (await StoredAsync(findings)).Count);
    }

    [Fact]
    public Task Kube_linter_fingerprints_are_stable_across_two_parses() => AssertFingerprintsStableAsync(new KubeLinterAdapter(), "kube-linter-0.7.json");

    [Fact]
    public async Task Kube_linter_report_cut_mid_report_keeps_the_complete_ones_and_warns()
    {
        var (findings, context) = await ParseCutAsync(new KubeLinterAdapter(), "kube-linter-0.7.json",
            text => text.IndexOf("is not set to runAsNonRoot", text.IndexOf("\"Reports\"", StringComparison.Ordinal), StringComparison.Ordinal));
        Assert.Equal(["no-read-only-root-fs", "privileged-container"], findings.Select(f => f.RuleId!).Order());
        Assert.Contains(context.Warnings, w => w.Contains("incomplete", StringComparison.Ordinal));
    }

    // ---- nmap scripts and testssl vulnerabilities ----

    [Fact]
    public async Task Nmap_vulnerability_scan_report_yields_the_scripts_findings_next_to_the_open_port()
    {
        var (findings, context) = await ParseFixtureAsync(new NmapAdapter(), "nmap-7.95-vulnerability-scan.xml");

        Assert.Empty(context.Warnings);
        Assert.Equal(["http-git", "http-vuln-cve2011-3192:CVE-2011-3192", "open-port"], findings.Select(f => f.RuleId!).Order());
        Assert.All(findings, f => Assert.Equal(18099, f.Location.Port));
        var byteRange = findings.Single(f => f.RuleId!.StartsWith("http-vuln", StringComparison.Ordinal));
        Assert.Equal("Apache byterange filter DoS", byteRange.Title);
        Assert.Equal(Severity.High, byteRange.Severity);
        Assert.Equal(["CVE-2011-3192"], byteRange.Cves);
        Assert.Equal(4, byteRange.References.Count);
        Assert.StartsWith("VULNERABLE (http-vuln-cve2011-3192).", byteRange.Description);
        var git = findings.Single(f => f.RuleId == "http-git");
        Assert.Equal(FindingCategories.Misconfiguration, git.Category);
        Assert.Contains("https://git.example.test/team/site.git", git.Description);
    }

    [Fact]
    public async Task Nmap_vulnerability_severity_comes_from_the_score_then_the_risk_factor_then_the_state()
    {
        const string xml = """
            <?xml version="1.0"?><nmaprun><host><status state="up"/><address addr="10.0.0.7" addrtype="ipv4"/>
            <ports><port protocol="tcp" portid="443"><state state="open"/><service name="https" tunnel="ssl"/>
            <script id="ssl-dh-params" output="&#xa;  VULNERABLE:&#xa;  Diffie-Hellman Key Exchange Insufficient Group Strength&#xa;    State: VULNERABLE&#xa;    Risk factor: Medium&#xa;  Anonymous Diffie-Hellman Key Exchange MitM Vulnerability&#xa;    State: LIKELY VULNERABLE&#xa;">
              <table key="NMAP-1"><elem key="title">Diffie-Hellman Key Exchange Insufficient Group Strength</elem><elem key="state">VULNERABLE</elem></table>
              <table key="NMAP-2"><elem key="title">Anonymous Diffie-Hellman Key Exchange MitM Vulnerability</elem><elem key="state">LIKELY VULNERABLE</elem></table>
            </script>
            <script id="ssl-heartbleed" output="VULNERABLE">
              <table key="CVE-2014-0160"><elem key="title">The Heartbleed Bug</elem><elem key="state">VULNERABLE</elem>
                <table key="ids"><elem>CVE:CVE-2014-0160</elem></table><table key="scores"><elem key="CVSSv2">5.0</elem><elem key="CVSSv3">7.5</elem></table></table>
            </script>
            <script id="ssl-poodle" output="NOT VULNERABLE">
              <table key="CVE-2014-3566"><elem key="title">SSL POODLE</elem><elem key="state">NOT VULNERABLE</elem></table>
            </script>
            <script id="ssl-cert" output="Subject: commonName=example.test"/>
            </port></ports>
            <hostscript><script id="smb-vuln-ms17-010" output="VULNERABLE">
              <table key="CVE-2017-0143"><elem key="title">Remote Code Execution vulnerability in Microsoft SMBv1 servers (ms17-010)</elem>
                <elem key="state">VULNERABLE</elem><table key="ids"><elem>CVE:CVE-2017-0143</elem></table></table>
            </script></hostscript></host></nmaprun>
            """;
        var (findings, context) = await ParseAsync(new NmapAdapter(), new MemoryStream(Encoding.UTF8.GetBytes(xml)));

        Assert.Empty(context.Warnings);
        Assert.Equal(Severity.Medium, findings.Single(f => f.RuleId == "ssl-dh-params:NMAP-1").Severity); // "Risk factor: Medium"
        Assert.Equal(Severity.Medium, findings.Single(f => f.RuleId == "ssl-dh-params:NMAP-2").Severity); // LIKELY VULNERABLE
        var heartbleed = findings.Single(f => f.RuleId == "ssl-heartbleed:CVE-2014-0160");
        Assert.Equal(7.5, heartbleed.Cvss); // CVSSv3 before CVSSv2
        Assert.Equal(Severity.High, heartbleed.Severity);
        Assert.DoesNotContain(findings, f => f.RuleId!.StartsWith("ssl-poodle", StringComparison.Ordinal) || f.RuleId == "ssl-cert");
        var smb = findings.Single(f => f.RuleId == "smb-vuln-ms17-010:CVE-2017-0143");
        Assert.Null(smb.Location.Port); // a host script
        Assert.Equal("10.0.0.7", smb.Location.Host);
        Assert.Equal(Severity.High, smb.Severity);
        Assert.DoesNotContain(findings, f => f.RuleId == "host-up"); // the host has findings
    }

    [Fact]
    public async Task Testssl_vulnerable_report_keeps_the_weaknesses_with_their_cves()
    {
        var (findings, context) = await ParseFixtureAsync(new TestsslAdapter(), "testssl-3.2-vulnerable.json");
        Assert.Empty(context.Warnings);
        var lucky13 = Assert.Single(findings); // every other check said OK or INFO
        Assert.Equal("LUCKY13", lucky13.RuleId);
        Assert.Equal(Severity.Low, lucky13.Severity);
        Assert.Equal(["CVE-2013-0169"], lucky13.Cves);
        Assert.Equal(18443, lucky13.Location.Port);
    }
}
