using ScanGate.Contracts;

namespace ScanGate.Storage;

/// <summary>
/// A scanner's report read twice: once into the artifact store, once by its parser. A report that can seek
/// (the container runtime already spools reports to a temporary file) is used as it is; any other is spooled
/// to a temporary file first, never to memory. Each reader starts from where the report stood when it was
/// handed over, so storing may be retried, and may come before or after parsing.
/// </summary>
public sealed class ReportTee : IAsyncDisposable
{
    private readonly Stream _report;
    private readonly long _start;
    private readonly bool _ownsReport;

    private ReportTee(Stream report, bool ownsReport)
    {
        _report = report;
        _start = report.Position;
        _ownsReport = ownsReport;
    }

    /// <summary>Takes the report; the caller still disposes the stream it passed, and disposes the tee.</summary>
    public static async Task<ReportTee> SpoolAsync(Stream report, CancellationToken cancellationToken = default) =>
        report.CanSeek ? new ReportTee(report, ownsReport: false) : new ReportTee(await TempSpool.CopyAsync(report, cancellationToken), ownsReport: true);

    /// <summary>Puts the whole report into the store as <paramref name="artifact"/> of <paramref name="scanId"/>.</summary>
    public async Task<ArtifactInfo> StoreAsync(IArtifactStore store, string scanId, ArtifactDescriptor artifact, CancellationToken cancellationToken = default)
    {
        await using var view = Rewound();
        return await store.PutAsync(scanId, artifact, view, cancellationToken);
    }

    /// <summary>The report from its start, for a parser. Disposing what this returns leaves the report open, so
    /// it may be asked for again; one reader at a time.</summary>
    public Stream Rewound()
    {
        _report.Position = _start;
        return new ReadView(_report); // owns nothing: the report stays open
    }

    public ValueTask DisposeAsync() => _ownsReport ? _report.DisposeAsync() : ValueTask.CompletedTask;
}
