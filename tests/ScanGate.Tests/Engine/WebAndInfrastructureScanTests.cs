using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ScanGate.Contracts;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Engine;

/// <summary>The nmap and testssl profiles CI users know, and the lightweight scan of a site, run for real: real tools in
/// real containers, driven by real grains, against listeners this test opens on 127.0.0.1 with weaknesses it plants.</summary>
public sealed class WebAndInfrastructureScanTests : IAsyncLifetime
{
    private ScanCluster _cluster = null!;
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(4);

    /// <summary>Ports among nmap's 1000 most common that no common service here uses: the lightweight scan's port scan
    /// looks at those only.</summary>
    private static readonly int[] CommonButUnusedPorts = [8291, 8292, 8293, 8294, 8385, 8481, 8540, 8648, 8675, 8676, 8765, 8766, 8877, 8987, 8996, 9071];

    public async Task InitializeAsync() => _cluster = await ScanCluster.StartAsync();
    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Nmap_service_detection_names_the_software_behind_a_planted_banner()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var stop = new CancellationTokenSource();
        var banner = ServeBannerAsync(listener, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n", stop.Token);

        var id = await _cluster.StartScanAsync(new { scan_type = "network_discovery", target = $"127.0.0.1:{port}", scan_profile = "service_detection" });
        var done = await _cluster.WaitForEndAsync(id, Long);
        await stop.CancelAsync();

        Assert.True(done.Status == ScanStatus.Completed, JsonSerializer.Serialize(done.Scanners));
        var ssh = Assert.Single(await _cluster.AllFindingsAsync(id));
        Assert.Equal($"Open port {port}/tcp (ssh)", ssh.Title);
        Assert.Equal("OpenSSH", ssh.Location.Package);
        Assert.StartsWith("9.2p1", ssh.Location.Version);
        await banner.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Nmap_vulnerability_scan_reports_the_planted_cve_and_the_exposed_git_repository()
    {
        await using var site = await PlantedWebServer.StartAsync();
        var id = await _cluster.StartScanAsync(new { scan_type = "network_discovery", target = $"127.0.0.1:{site.Port}", scan_profile = "vulnerability_scan", fail_on_severity = "high" });
        var done = await _cluster.WaitForEndAsync(id, Long);

        Assert.True(done.Status == ScanStatus.Completed, JsonSerializer.Serialize(done.Scanners));
        var findings = await _cluster.AllFindingsAsync(id);
        var byteRange = Assert.Single(findings, f => f.RuleId == "http-vuln-cve2011-3192:CVE-2011-3192");
        Assert.Equal(["CVE-2011-3192"], byteRange.Cves);
        Assert.Equal(Severity.High, byteRange.Severity); // VULNERABLE, no score and no risk factor: high
        Assert.Equal(FindingCategories.Vulnerability, byteRange.Category);
        Assert.Equal(site.Port, byteRange.Location.Port);
        Assert.Contains(byteRange.References, r => r.Contains("CVE-2011-3192", StringComparison.Ordinal));
        var git = Assert.Single(findings, f => f.RuleId == "http-git");
        Assert.Equal(Severity.High, git.Severity);
        Assert.Contains("git.example.test/team/site.git", git.Description);
        Assert.Contains(findings, f => f.RuleId == "open-port" && f.Location.Port == site.Port);
        Assert.False(done.GatePassed);
    }

    [Fact]
    public async Task Testssl_vulnerability_profile_finds_the_cbc_weakness_of_the_weak_tls_listener()
    {
        await using var tls = await WeakTlsServer.StartAsync();
        var id = await _cluster.StartScanAsync(new { scan_type = "ssl_security", target = $"127.0.0.1:{tls.Port}", scan_profile = "vulnerability" });
        var done = await _cluster.WaitForEndAsync(id, Long);

        Assert.True(done.Status == ScanStatus.Completed, JsonSerializer.Serialize(done.Scanners));
        var findings = await _cluster.AllFindingsAsync(id);
        // Every cipher OpenSSL knows includes CBC ones: LUCKY13 (CVE-2013-0169) is the weakness testssl -U reports.
        var lucky13 = Assert.Single(findings, f => f.RuleId == "LUCKY13");
        Assert.Equal(Severity.Low, lucky13.Severity);
        Assert.Equal(["CVE-2013-0169"], lucky13.Cves);
        Assert.Equal(tls.Port, lucky13.Location.Port);
        // Only the vulnerability checks ran: no certificate checks.
        Assert.DoesNotContain(findings, f => f.RuleId!.StartsWith("cert_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Lightweight_comprehensive_scans_a_site_with_headers_and_a_port_scan_of_its_host_for_one_verdict()
    {
        await using var site = await PlantedWebServer.StartAsync(CommonButUnusedPorts);
        var request = new { scan_type = "lightweight_comprehensive", target = site.Url, fail_on_severity = "medium" };
        var id = await _cluster.StartScanAsync(request);
        var done = await _cluster.WaitForEndAsync(id, Long);

        Assert.True(done.Status == ScanStatus.Completed, JsonSerializer.Serialize(done.Scanners));
        // An http URL has no TLS endpoint: testssl is left out, the others ran.
        Assert.Equal(["ffuf", "nmap", "security_headers", "whatweb"], done.Scanners.Select(s => s.Name).Order());
        Assert.All(done.Scanners, s => Assert.Equal(RunStatus.Completed, s.Status));
        var findings = await _cluster.AllFindingsAsync(id);
        Assert.Contains(findings, f => f.Scanner == "ffuf" && f.Location.Url == site.Url + ".git/HEAD" && f.Severity == Severity.High);
        Assert.Contains(findings, f => f.Scanner == "whatweb" && f.Title == "Technology: HTTPServer (Kestrel)"); // the server that answered
        // nmap scanned the URL's host (its 1000 most common ports, the site's among them), not the URL.
        Assert.Contains(findings, f => f.Scanner == "nmap" && f.Location.Host == "127.0.0.1" && f.Location.Port == site.Port);
        Assert.Contains(findings, f => f.Scanner == "security_headers" && f.Location.Url == site.Url && f.RuleId == "missing-csp");
        Assert.Equal(findings.Count, done.Counts.Total);
        Assert.Equal(SeverityCounts.Of(findings), done.Counts);
        Assert.False(done.GatePassed); // the headers alone are medium findings (and the exposed repository is high)
    }

    private static async Task ServeBannerAsync(TcpListener listener, string banner, CancellationToken cancellationToken)
    {
        var bytes = Encoding.ASCII.GetBytes(banner);
        try
        {
            while (true)
            {
                using var client = await listener.AcceptTcpClientAsync(cancellationToken);
                try { await client.GetStream().WriteAsync(bytes, cancellationToken); }
                catch (IOException) { /* the prober hung up first */ }
            }
        }
        catch (OperationCanceledException) { }
    }
}
