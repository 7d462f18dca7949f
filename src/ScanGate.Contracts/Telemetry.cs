using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ScanGate.Contracts;

/// <summary>
/// ScanGate's own ActivitySource and Meter (both named "ScanGate") and the names of what they record, in one place
/// so that the host, the API, docs/operations.md and the Grafana dashboard agree. Instruments created here are
/// free when nothing listens; the host's OpenTelemetry set-up decides what is exported.
/// </summary>
public static class ScanGateTelemetry
{
    public const string Name = "ScanGate";
    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    /// <summary>Instrument names (OpenTelemetry style; the Prometheus exporter turns dots into underscores and
    /// appends the unit and _total, as docs/operations.md lists).</summary>
    public static class Metrics
    {
        public const string Scans = "scangate.scans";
        public const string ContainerSlots = "scangate.container.slots";
        public const string ScanDuration = "scangate.scan.duration";
        public const string RunDuration = "scangate.run.duration";
        public const string ContainerOperationDuration = "scangate.container.operation.duration";
        public const string FindingsStored = "scangate.findings.stored";
        public const string EventWatchers = "scangate.event.watchers";
        public const string EventFeeds = "scangate.event.feeds";
        public const string AuthFailures = "scangate.auth.failures";
        public const string RateLimitRefusals = "scangate.ratelimit.refusals";
        public const string CallbackDeliveries = "scangate.callback.deliveries";
        public const string CallbackRetries = "scangate.callback.retries";
    }

    /// <summary>Tag names on spans, metrics and log scopes.</summary>
    public static class Tags
    {
        public const string ScanId = "scangate.scan_id";
        public const string Org = "org";
        public const string ScanType = "scan_type";
        public const string Scanner = "scanner";
        public const string Status = "status";
    }

    // Instruments recorded from more than one project live here; the rest are created where they are recorded.
    public static readonly Counter<long> AuthFailures =
        Meter.CreateCounter<long>(Metrics.AuthFailures, description: "Requests refused a 401 for a missing, malformed, unknown, expired or revoked API key");
    public static readonly Counter<long> RateLimitRefusals =
        Meter.CreateCounter<long>(Metrics.RateLimitRefusals, description: "Requests refused a 429 because the API key's per-minute limit was used up");
}
