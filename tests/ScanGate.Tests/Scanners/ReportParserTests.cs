using System.Text;
using System.Text.Json;
using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Scanners.Adapters;
using static ScanGate.Tests.Infrastructure.Reports;

namespace ScanGate.Tests.Scanners;

/// <summary>Each parser on a report captured from a real run of its tool (Fixtures/ names the version).</summary>
public class ReportParserTests
{
    [Fact]
    public async Task Nmap_report_yields_open_ports_only_with_their_services()
    {
        await using var file = File.OpenRead(Fixture("nmap-7.95-service-detection.xml"));
        var (findings, context) = await ParseAsync(new NmapAdapter(), file);

        Assert.Empty(context.Warnings);
        Assert.Equal([8099, 8443], findings.Select(f => f.Location.Port!.Value).Order());
        Assert.All(findings, f => Assert.Equal("127.0.0.1", f.Location.Host));
        Assert.All(findings, f => Assert.Equal("network", f.Category));
        var http = findings.Single(f => f.Location.Port == 8099);
        Assert.Equal("Open port 8099/tcp (http)", http.Title);
        Assert.Equal("SimpleHTTPServer", http.Location.Package);
        Assert.Equal("0.6", http.Location.Version);
        Assert.Equal("Open port 8443/tcp (ssl/http)", findings.Single(f => f.Location.Port == 8443).Title);
    }

    [Fact]
    public async Task Nmap_marks_risky_services_above_info()
    {
        const string xml = """
            <?xml version="1.0"?><nmaprun><host><status state="up"/><address addr="10.0.0.5" addrtype="ipv4"/>
            <ports><port protocol="tcp" portid="23"><state state="open"/><service name="telnet"/></port>
            <port protocol="tcp" portid="6379"><state state="open"/><service name="redis"/></port>
            <port protocol="tcp" portid="443"><state state="open"/><service name="https"/></port></ports></host></nmaprun>
            """;
        var (findings, _) = await ParseAsync(new NmapAdapter(), new MemoryStream(Encoding.UTF8.GetBytes(xml)));
        Assert.Equal(Severity.High, findings.Single(f => f.Location.Port == 23).Severity);
        Assert.Equal(Severity.Medium, findings.Single(f => f.Location.Port == 6379).Severity);
        Assert.Equal(Severity.Info, findings.Single(f => f.Location.Port == 443).Severity);
    }

    [Fact]
    public async Task Nmap_truncated_report_keeps_the_hosts_before_the_cut_and_says_so()
    {
        var xml = await File.ReadAllTextAsync(Fixture("nmap-7.95-service-detection.xml"));
        var cut = xml[..(xml.IndexOf("portid=\"8443\"", StringComparison.Ordinal) + 40)];
        var (findings, context) = await ParseAsync(new NmapAdapter(), new MemoryStream(Encoding.UTF8.GetBytes(cut)));
        Assert.Contains(findings, f => f.Location.Port == 8099);
        Assert.NotEmpty(context.Warnings);
    }

    [Fact]
    public async Task Testssl_report_keeps_low_and_above_and_maps_severities()
    {
        await using var file = File.OpenRead(Fixture("testssl-3.2-quick.json"));
        var (findings, context) = await ParseAsync(new TestsslAdapter(), file);

        Assert.Empty(context.Warnings);
        var chain = findings.Single(f => f.RuleId == "cert_chain_of_trust");
        Assert.Equal(Severity.Critical, chain.Severity);
        Assert.Equal(8443, chain.Location.Port);
        Assert.Equal("127.0.0.1", chain.Location.Host);
        Assert.Equal(Severity.High, findings.Single(f => f.RuleId == "cert_subjectAltName").Severity);
        Assert.Equal(Severity.Low, findings.Single(f => f.RuleId == "DNS_CAArecord").Severity);
        Assert.DoesNotContain(findings, f => f.RuleId is "SSLv2" or "TLS1" or "engine_problem"); // OK, INFO and WARN are not findings
        Assert.All(findings, f => Assert.Equal("tls", f.Category));
    }

    [Fact]
    public async Task Testssl_truncated_report_of_a_stopped_run_yields_complete_entries()
    {
        var json = await File.ReadAllTextAsync(Fixture("testssl-3.2-quick.json"));
        var cut = json[..(json.IndexOf("cert_expirationStatus", StringComparison.Ordinal) - 10)];
        var (findings, context) = await ParseAsync(new TestsslAdapter(), new MemoryStream(Encoding.UTF8.GetBytes(cut)));
        Assert.Contains(findings, f => f.RuleId == "cert_chain_of_trust");
        Assert.DoesNotContain(findings, f => f.RuleId == "cert_expirationStatus");
        Assert.Contains(context.Warnings, w => w.Contains("incomplete"));
    }

    [Fact]
    public async Task Sslscan_report_flags_anonymous_ciphers()
    {
        await using var file = File.OpenRead(Fixture("sslscan-2.1.5.xml"));
        var (findings, _) = await ParseAsync(new SslscanAdapter(), file);
        var adh = findings.Where(f => f.RuleId!.StartsWith("cipher-anonymous:ADH-", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(adh);
        Assert.All(adh, f => Assert.Equal(Severity.High, f.Severity));
        Assert.DoesNotContain(findings, f => f.RuleId!.StartsWith("protocol-", StringComparison.Ordinal)); // only TLS 1.2 was offered
        Assert.All(findings, f => Assert.Equal(8443, f.Location.Port));
    }

    [Fact]
    public async Task Gitleaks_report_yields_the_secret_location_and_never_the_secret()
    {
        await using var file = File.OpenRead(Fixture("gitleaks-8.16-redacted.json"));
        var (findings, _) = await ParseAsync(new GitleaksAdapter(), file);
        var leak = Assert.Single(findings);
        Assert.Equal("aws-access-token", leak.RuleId);
        Assert.Equal("config.ini", leak.Location.File);
        Assert.Equal(2, leak.Location.Line);
        Assert.Equal(Severity.High, leak.Severity);
        Assert.Equal("secret", leak.Category);
        Assert.DoesNotContain("AKIA", JsonSerializer.Serialize(leak));
    }

    [Fact]
    public void Fingerprints_are_stable_across_scans_and_differ_by_location()
    {
        var a = new FindingContext("scn_A", "nmap").Create("network", Severity.Info, "t", "open-port", new FindingLocation { Host = "h", Port = 1 });
        var b = new FindingContext("scn_B", "nmap").Create("network", Severity.Info, "t", "open-port", new FindingLocation { Host = "h", Port = 1 });
        var c = new FindingContext("scn_B", "nmap").Create("network", Severity.Info, "t", "open-port", new FindingLocation { Host = "h", Port = 2 });
        Assert.Equal(a.Fingerprint, b.Fingerprint);
        Assert.NotEqual(a.Id, b.Id);
        Assert.NotEqual(b.Fingerprint, c.Fingerprint);
    }
}
