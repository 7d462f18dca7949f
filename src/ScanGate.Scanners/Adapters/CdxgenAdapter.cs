using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>
/// cdxgen 12.8 (npm @cyclonedx/cdxgen on Debian's Node.js) on a repository cloned inside its own container: the
/// software bill of materials of a source tree, from its manifests and lock files, as CycloneDX 1.6 JSON. It installs
/// no dependencies and asks no registry for licences (the image sets FETCH_LICENSE=false), so it needs no network
/// beyond the Git server: what the lock files name is what the SBOM lists. Each package is an info
/// <c>sbom_component</c> finding, located by package, version and the file (relative to the repository) naming it;
/// denied licences are <c>license</c> findings (<see cref="CycloneDxComponents"/>).
/// </summary>
public sealed class CdxgenAdapter : IContainerScanner
{
    public string Name => "cdxgen";
    public string Description => "cdxgen: the software bill of materials of a Git repository's source tree (lock files and manifests).";
    public TargetKind TargetKind => TargetKind.GitRepository;
    public IReadOnlyList<ScannerUse> Uses { get; } = [new("sbom"), new("code_security")];
    public string DefaultImage => "scangate/cdxgen:latest";

    private const string ReportPath = "/out/report.json";

    // The image's entry point clones the URL (one argument, after "--") and runs cdxgen on the tree.
    public ContainerPlan Plan(RunSpec spec) => new()
    {
        Arguments = string.IsNullOrEmpty(spec.Branch) ? [spec.Target] : [spec.Target, spec.Branch],
        ReportPath = ReportPath,
        WorkPaths = ["/work"],
        MemoryBytes = 1536L * 1024 * 1024,
        PidsLimit = 512,
    };

    public IProgressParser NewProgressParser(RunSpec spec) => new KeywordProgress(
        ("phase: cloning", "cloning", 10),
        ("phase: generating", "reading manifests and lock files", 40),
        ("phase: done", "done", 99));

    public IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context, CancellationToken cancellationToken) =>
        CycloneDxComponents.ParseAsync(report, context, cancellationToken);
}
