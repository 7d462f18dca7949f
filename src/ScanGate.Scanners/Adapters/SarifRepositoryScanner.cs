using ScanGate.Contracts;
using ScanGate.Scanners.Sarif;

namespace ScanGate.Scanners.Adapters;

/// <summary>A repository scanner whose image writes SARIF (<c>/out/report.sarif</c>), read by <see cref="SarifImporter"/>
/// with paths relative to the clone and every finding in <see cref="Category"/>.</summary>
public abstract class SarifRepositoryScanner : RepositoryScanner
{
    protected abstract string Category { get; }
    /// <summary>See <see cref="SarifImportOptions.TitleFromMessage"/>.</summary>
    protected virtual bool TitleFromMessage => false;
    protected sealed override string ReportPath => "/out/report.sarif";

    public sealed override IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context, CancellationToken cancellationToken) =>
        SarifImporter.ReadAsync(report, context, new SarifImportOptions { Category = Category, SourceRoot = CloneRoot, TitleFromMessage = TitleFromMessage }, cancellationToken);
}
