using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>
/// A tool that scans a Git repository it clones inside its own container. Every such image has the same entry point
/// contract (deploy/scanners/&lt;name&gt;/scan-repository): the URL as its first argument and the branch, when there
/// is one, as its second; each is one argument that no shell reads. The entry point prints
/// <c>phase: cloning</c>, <c>phase: scanning</c> and <c>phase: done</c>, and writes the tool's report to
/// <see cref="ReportPath"/>. The image is <c>scangate/&lt;name&gt;:latest</c>.
/// </summary>
public abstract class RepositoryScanner : IContainerScanner
{
    public abstract string Name { get; }
    public abstract string Description { get; }
    public TargetKind TargetKind => TargetKind.GitRepository;
    public abstract IReadOnlyList<ScannerUse> Uses { get; }
    public string DefaultImage => $"scangate/{Name}:latest";

    /// <summary>Where the entry point writes the tool's report.</summary>
    protected abstract string ReportPath { get; }
    protected virtual long MemoryBytes => 1024L * 1024 * 1024;
    /// <summary>Exit codes of the entry point that mean the tool ran to the end (some exit non-zero on findings).</summary>
    protected virtual IReadOnlyList<long> SuccessExitCodes => [0];

    public ContainerPlan Plan(RunSpec spec) => new()
    {
        Arguments = string.IsNullOrEmpty(spec.Branch) ? [spec.Target] : [spec.Target, spec.Branch],
        ReportPath = ReportPath,
        WorkPaths = ["/work"],
        MemoryBytes = MemoryBytes,
        SuccessExitCodes = SuccessExitCodes,
    };

    /// <summary>The entry points print "phase: cloning", "phase: scanning" and "phase: done".</summary>
    public IProgressParser NewProgressParser(RunSpec spec) => new ClonePhaseProgress("scanning");

    public abstract IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context, CancellationToken cancellationToken);

    /// <summary>Where the entry points clone the repository: the tools' paths are made relative to it.</summary>
    public const string CloneRoot = "/work/repo";
}
