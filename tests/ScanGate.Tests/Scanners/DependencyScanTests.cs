using ScanGate.Contracts;
using ScanGate.Scanners.Adapters;
using ScanGate.Scanners.Catalog;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Scanners;

/// <summary>dependency_scan: osv-scanner on a cloned repository. Its image needs the internet, so its report is the
/// osv-scanner 1.9 fixture (the same JSON shape for source and image scans).</summary>
public sealed class DependencyScanTests
{
    [Fact]
    public async Task The_source_adapter_reads_osv_scanner_reports_as_the_image_adapter_does()
    {
        await using var a = File.OpenRead(ScanGate.Tests.Infrastructure.Reports.Fixture("osv-scanner-1.9.json"));
        await using var b = File.OpenRead(ScanGate.Tests.Infrastructure.Reports.Fixture("osv-scanner-1.9.json"));
        var (source, sourceContext) = await ScanGate.Tests.Infrastructure.Reports.ParseAsync(new OsvSourceAdapter(), a);
        var (image, _) = await ScanGate.Tests.Infrastructure.Reports.ParseAsync(new OsvScannerAdapter(), b);
        Assert.NotEmpty(source);
        Assert.Empty(sourceContext.Warnings);
        Assert.Equal(image.Select(f => (f.RuleId, f.Severity, f.Location.Package, f.FixedVersion)), source.Select(f => (f.RuleId, f.Severity, f.Location.Package, f.FixedVersion)));
        Assert.All(source, f => Assert.Equal(FindingCategories.Vulnerability, f.Category));
    }

    [Fact]
    public void The_url_and_branch_are_single_arguments_and_found_vulnerabilities_are_not_a_failure()
    {
        var plan = new OsvSourceAdapter().Plan(new RunSpec { ScanId = "scn_x", Scanner = "osv-scanner", Target = "https://git.example.test/app.git", Profile = "standard", Branch = "main" });
        Assert.Equal(["https://git.example.test/app.git", "main"], plan.Arguments);
        Assert.Equal([0L, 1L, 128L], plan.SuccessExitCodes);
        var catalog = ScanCatalog.CreateDefault();
        Assert.Contains(catalog.DefaultScannersFor("dependency_scan"), s => s.Name == "osv-scanner");
        Assert.Contains(catalog.DefaultScannersFor("code_security"), s => s.Name == "osv-scanner");
        Assert.Contains(catalog.DefaultScannersFor("code_security"), s => s.Name == "cdxgen");
    }
}
