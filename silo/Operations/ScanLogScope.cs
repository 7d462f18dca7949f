using System.Diagnostics;
using ScanGate.Contracts;

namespace ScanGate.Silo.Operations;

/// <summary>
/// Every call into a grain keyed by a scan (the scan, its runs "{scan}/{scanner}", its callback delivery) runs inside
/// a logging scope naming the scan, and tags the current span with it; work the call starts in the background
/// (a run's container supervisor) inherits the scope. Log lines thus carry the scan id next to the trace id.
/// </summary>
public sealed class ScanLogScopeFilter(ILogger<ScanLogScopeFilter> logger) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (ScanIdOf(context.TargetId) is not { } scanId)
        {
            await context.Invoke();
            return;
        }
        Activity.Current?.SetTag(ScanGateTelemetry.Tags.ScanId, scanId);
        using (logger.BeginScope(new Dictionary<string, object> { [ScanGateTelemetry.Tags.ScanId] = scanId }))
            await context.Invoke();
    }

    public static string? ScanIdOf(GrainId grain)
    {
        var key = grain.Key.ToString();
        if (key is null || !key.StartsWith("scn_", StringComparison.Ordinal)) return null;
        var slash = key.IndexOf('/');
        return slash < 0 ? key : key[..slash];
    }
}
