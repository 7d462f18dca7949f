using System.Runtime.CompilerServices;
using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Scanners.Catalog;

namespace ScanGate.Benchmarks;

/// <summary>A scanner whose container exits at once: what is left of a scan's wall time is ScanGate's own.</summary>
public sealed class NoopScanner : IContainerScanner
{
    public const string ScanType = "bench_noop";
    public const string Image = "debian:trixie-slim";
    public static readonly ScanTypeDefinition Type = new(ScanType, "Benchmark only: a container that exits at once.", TargetKind.Host,
        [new ScanProfile("standard", "run `true`")], "standard");

    public string Name => "noop";
    public string Description => "Runs `true` in the base image.";
    public TargetKind TargetKind => TargetKind.Host;
    public IReadOnlyList<ScannerUse> Uses { get; } = [new(ScanType)];
    public string DefaultImage => Image;

    public ContainerPlan Plan(RunSpec spec) => new() { Arguments = ["true"], ReportPath = "/out/report.json" };
    public IProgressParser NewProgressParser(RunSpec spec) => new None();

    public async IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        yield break;
    }

    private sealed class None : IProgressParser { public ProgressUpdate? Parse(string line) => null; }
}
