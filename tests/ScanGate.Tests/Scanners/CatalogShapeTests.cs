using System.Text.Json;
using ScanGate.Api;
using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Scanners.Adapters;
using ScanGate.Scanners.Catalog;

namespace ScanGate.Tests.Scanners;

/// <summary>The catalogue's shape: a scanner serves a scan type of another target kind only through a target derivation
/// the catalogue checks, and a validated request carries each scanner's own target and profile.</summary>
public class CatalogShapeTests
{
    private static readonly ScanCatalog Catalog = ScanCatalog.CreateDefault();

    private static ScanRequest Parse(object body) => ScanRequestParser.Parse(JsonSerializer.SerializeToElement(body), Catalog, "org_test");

    [Fact]
    public void Every_scan_type_has_a_default_scanner_and_every_use_fits_its_type()
    {
        foreach (var name in new[] { "api_security", "kubernetes_manifest", "lightweight_comprehensive", "network_discovery", "nuclei", "ssl_security", "web_vulnerability" })
            Assert.NotNull(Catalog.FindType(name));
        foreach (var type in Catalog.ScanTypes)
            Assert.NotEmpty(Catalog.DefaultScannersFor(type.Name));
        Assert.Equal(["ping_sweep", "port_scan", "service_detection", "comprehensive", "vulnerability_scan"],
            Catalog.FindType("network_discovery")!.Profiles.Select(p => p.Name));
        Assert.Equal(["quick", "standard", "comprehensive", "vulnerability"], Catalog.FindType("ssl_security")!.Profiles.Select(p => p.Name));
        Assert.Equal(["quick", "standard", "comprehensive", "cve", "misconfig"], Catalog.FindType("nuclei")!.Profiles.Select(p => p.Name));
        Assert.Equal(["ffuf", "nmap", "security_headers", "testssl", "whatweb"], Catalog.DefaultScannersFor("lightweight_comprehensive").Select(s => s.Name));
        Assert.Equal(["ffuf", "sqlmap", "zap"], Catalog.DefaultScannersFor("web_vulnerability").Select(s => s.Name));
    }

    [Fact]
    public void A_scanner_of_another_target_kind_needs_a_derivation_from_the_types_kind_to_its_own()
    {
        ScanTypeDefinition site = new("site", "A site.", TargetKind.Url, [new("standard", "All.")], "standard");
        var noDerivation = Assert.Throws<InvalidOperationException>(() => new ScanCatalog([site], [new Probe(TargetKind.Host, new ScannerUse("site"))]));
        Assert.Contains("derives none", noDerivation.Message);
        var wrongFrom = Assert.Throws<InvalidOperationException>(() =>
            new ScanCatalog([site with { TargetKind = TargetKind.GitRepository }], [new Probe(TargetKind.Host, new ScannerUse("site", Target: TargetDerivation.UrlHost))]));
        Assert.Contains("reads Url targets", wrongFrom.Message);
        var wrongTo = Assert.Throws<InvalidOperationException>(() => new ScanCatalog([site], [new Probe(TargetKind.TlsEndpoint, new ScannerUse("site", Target: TargetDerivation.UrlHost))]));
        Assert.Contains("makes Host targets", wrongTo.Message);
        var unmapped = Assert.Throws<InvalidOperationException>(() =>
            new ScanCatalog([site], [new Probe(TargetKind.Url, new ScannerUse("site", Profiles: new Dictionary<string, string> { ["other"] = "x" }))]));
        Assert.Contains("no entry for the scan type's profile 'standard'", unmapped.Message);
        _ = new ScanCatalog([site], [new Probe(TargetKind.Host, new ScannerUse("site", Target: TargetDerivation.UrlHost))]); // fits
    }

    [Fact]
    public void A_lightweight_scan_of_an_http_url_runs_headers_on_the_url_and_a_port_scan_on_its_host()
    {
        var request = Parse(new { scan_type = "lightweight_comprehensive", target = "http://127.0.0.1:8080/shop" });
        Assert.Equal(["ffuf", "nmap", "security_headers", "whatweb"], request.Scanners.Order());
        Assert.Equal(new ScannerInput("http://127.0.0.1:8080/shop", "quick"), request.InputFor("ffuf")); // the light word list
        Assert.Equal(new ScannerInput("127.0.0.1", "port_scan"), request.InputFor("nmap"));
        Assert.Equal(new ScannerInput("http://127.0.0.1:8080/shop", "standard"), request.InputFor("security_headers"));
        Assert.False(request.ScannerInputs.ContainsKey("security_headers")); // the scan's own target and profile
    }

    [Fact]
    public void A_lightweight_scan_of_an_https_url_adds_a_quick_tls_check_of_its_endpoint()
    {
        var request = Parse(new { scan_type = "lightweight_comprehensive", target = "https://Shop.Example.test/" });
        Assert.Equal(["ffuf", "nmap", "security_headers", "testssl", "whatweb"], request.Scanners.Order());
        Assert.Equal(new ScannerInput("shop.example.test:443", "quick"), request.InputFor("testssl"));
        Assert.Equal(new ScannerInput("shop.example.test", "port_scan"), request.InputFor("nmap"));
        Assert.Equal(new ScannerInput("::1", "port_scan"), Parse(new { scan_type = "lightweight_comprehensive", target = "https://[::1]:8443/" }).InputFor("nmap"));
        Assert.Equal(new ScannerInput("[::1]:8443", "quick"), Parse(new { scan_type = "lightweight_comprehensive", target = "https://[::1]:8443/" }).InputFor("testssl"));
    }

    [Fact]
    public void Naming_a_scanner_the_target_gives_nothing_to_do_is_the_requests_mistake()
    {
        var ex = Assert.Throws<RequestValidationException>(() =>
            Parse(new { scan_type = "lightweight_comprehensive", target = "http://127.0.0.1:8080/", scanners = new[] { "testssl" } }));
        Assert.Equal("scanners", ex.Field);
        Assert.Contains("scanner 'testssl' needs an https:// URL in lightweight_comprehensive", ex.Message);
    }

    [Fact]
    public void An_api_security_scan_runs_sqlmap_and_zap_with_their_api_profiles()
    {
        var quick = Parse(new { scan_type = "api_security", target = "https://api.example.test/openapi.json" });
        Assert.Equal(["sqlmap", "zap"], quick.Scanners.Order());
        Assert.Equal(new ScannerInput("https://api.example.test/openapi.json", SqlmapAdapter.ApiQuick), quick.InputFor("sqlmap"));
        Assert.Equal("quick", quick.Profile);
        Assert.Equal(new ScannerInput("https://api.example.test/openapi.json", ZapAdapter.ApiQuick), quick.InputFor("zap"));
        Assert.Equal(ZapAdapter.ApiStandard, Parse(new { scan_type = "api_security", target = "https://api.example.test/openapi.json", scan_profile = "standard" }).InputFor("zap").Profile);
        Assert.Empty(Parse(new { scan_type = "web_vulnerability", target = "https://app.example.test/" }).ScannerInputs);
    }

    [Fact]
    public void Kubernetes_manifest_scans_take_a_git_repository()
    {
        var request = Parse(new { scan_type = "kubernetes_manifest", target = "https://git.example.test/ops/deploy.git" });
        Assert.Equal(["kube-linter"], request.Scanners);
        var ex = Assert.Throws<RequestValidationException>(() => Parse(new { scan_type = "kubernetes_manifest", target = "/srv/manifests" }));
        Assert.Equal("target", ex.Field);
    }

    private sealed class Probe(TargetKind kind, ScannerUse use) : IInProcessScanner
    {
        public string Name => "probe";
        public string Description => "A scanner for catalogue checks.";
        public TargetKind TargetKind => kind;
        public IReadOnlyList<ScannerUse> Uses { get; } = [use];
        public IAsyncEnumerable<Finding> ScanAsync(RunSpec spec, FindingContext context, HttpClient http, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }
}
