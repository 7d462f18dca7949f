using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>
/// osv-scanner 1.9 (the vendor's release; see deploy/scanners/osv-scanner) on a cloned repository: every lock file
/// and manifest it knows (package-lock.json, poetry.lock, go.sum, Cargo.lock, pom.xml …), each package asked
/// about in the OSV database (so it needs the network). The report has the same shape as osv-scanner's image
/// scans, so the image adapter's parser reads it; exit code 1 means "found some", 128 "found no packages".
/// </summary>
public sealed class OsvSourceAdapter : RepositoryScanner
{
    public override string Name => "osv-scanner";
    public override string Description => "osv-scanner: known vulnerabilities of a repository's dependencies (lock files and manifests) from the OSV database.";
    public override IReadOnlyList<ScannerUse> Uses { get; } = [new("dependency_scan"), new("code_security")];
    protected override string ReportPath => "/out/report.json";
    protected override IReadOnlyList<long> SuccessExitCodes => [0, 1, 128];

    private static readonly OsvScannerAdapter Reports = new();

    public override IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context, CancellationToken cancellationToken) =>
        Reports.ParseReportAsync(report, context, cancellationToken);
}
