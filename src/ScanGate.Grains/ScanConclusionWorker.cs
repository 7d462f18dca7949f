using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using ScanGate.Contracts;
using ScanGate.Storage;
using ScanGate.Storage.Reports;

namespace ScanGate.Grains;

/// <summary>What a finished scan concluded: its counts and its verdict.</summary>
[GenerateSerializer, Immutable, Alias("scangate.scan-conclusion.v1")]
public sealed record ScanConclusion
{
    [Id(0)] public required SeverityCounts Counts { get; init; }
    [Id(1)] public required GateVerdict Verdict { get; init; }
}

/// <summary>Concludes a scan that has ended: reads its findings once (into a local spool), tallies them through the
/// gate, and writes its reports from the spool. Called only by the scan grain, which stays free to answer status reads
/// meanwhile.</summary>
[Alias("scangate.IScanConclusionWorker")]
internal interface IScanConclusionWorker : IGrainWithIntegerKey
{
    /// <param name="ending">The scan as it ends: its final status, runs and request.</param>
    /// <param name="uploadsMissing">The wait for expected uploads ran out before they all came.</param>
    [Alias("conclude")] Task<ScanConclusion> Conclude(ScanSnapshot ending, bool uploadsMissing);
}

[StatelessWorker]
internal sealed class ScanConclusionWorker(IFindingStore findings, IArtifactStore artifacts, IOptions<UploadOptions> uploadOptions,
    ILogger<ScanConclusionWorker> logger) : Grain, IScanConclusionWorker
{
    public async Task<ScanConclusion> Conclude(ScanSnapshot ending, bool uploadsMissing)
    {
        var request = ending.Request;
        if (ending.Status == ScanStatus.Cancelled)
        {
            // A cancelled scan keeps no findings and no reports; its verdict still says why.
            await findings.DeleteScanAsync(ending.Id);
            return new ScanConclusion { Counts = new SeverityCounts(), Verdict = Evaluate(ending, new GateTally(), null, uploadsMissing) };
        }

        var (known, baseline) = await BaselineAsync(ending);
        var tally = new GateTally();
        var counts = new SeverityCounts();
        await using var spool = await FindingSpool.FillAsync(findings, ending.Id, f =>
        {
            tally.Add(f, request.Gate, known);
            counts = counts.Add(SeverityCounts.Of([f]));
        });
        var verdict = Evaluate(ending, tally, baseline, uploadsMissing);

        var judged = ending with { Counts = counts, GatePassed = verdict.Passed, GateReasons = verdict.Reasons.ToList(), Verdict = verdict };
        foreach (var (name, error) in await ScanReports.KeepAsync(artifacts, spool.Source(), ReportScope.Of(judged)))
            logger.LogWarning(error, "Scan {ScanId}: its {Artifact} artifact was not kept", ending.Id, name);
        return new ScanConclusion { Counts = counts, Verdict = verdict };
    }

    /// <summary>With new_only, the fingerprints of the project's baseline scan for the base commit or branch.</summary>
    private async Task<(HashSet<string>? Known, Baseline? Baseline)> BaselineAsync(ScanSnapshot ending)
    {
        var request = ending.Request;
        var spec = request.Gate;
        if (!spec.NewOnly || request.ProjectKey is not { } projectKey) return (null, null);
        var describes = spec.BaseCommit is { } commit ? $"commit {commit}" : spec.BaseBranch is { } branch ? $"branch {branch}" : "the project's default branch";
        // The scan started as this one's baseline, when it completed; else the project's baseline of the commit or branch.
        var baselineScan = spec.BaselineScanId is { } named && await GrainFactory.GetGrain<IScanGrain>(named).Get() is { Status: ScanStatus.Completed }
            ? named
            : await GrainFactory.GetGrain<IProjectGrain>(IProjectGrain.KeyOf(request.OrgId, projectKey)).FindBaseline(spec.BaseBranch, spec.BaseCommit);
        if (baselineScan == ending.Id) baselineScan = null;
        var known = new HashSet<string>(StringComparer.Ordinal);
        if (baselineScan is not null)
            await foreach (var f in findings.AllAsync(baselineScan)) known.Add(f.Fingerprint);
        return (known, new Baseline(baselineScan, describes));
    }

    private GateVerdict Evaluate(ScanSnapshot ending, GateTally tally, Baseline? baseline, bool uploadsMissing)
    {
        var request = ending.Request;
        var verdict = GatePolicy.Evaluate(request.FailOnSeverity, request.Gate, tally, ending.Scanners, ending.Status,
            imageScan: request.ScanType == "container_image", baseline);
        return uploadsMissing
            ? verdict with
            {
                Passed = false,
                Reasons = [.. verdict.Reasons, $"expected {request.ExpectedUploads} uploads but {ending.Uploads} came within {uploadOptions.Value.WaitMinutes} minutes"],
            }
            : verdict;
    }
}
