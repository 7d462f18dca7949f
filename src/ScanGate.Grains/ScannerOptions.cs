namespace ScanGate.Grains;

/// <summary>How scanners run on this silo. Bound from "ScanGate:Scanners".</summary>
public sealed class ScannerRunOptions
{
    public const string Section = "ScanGate:Scanners";
    /// <summary>Time a run may spend running (paused time not counted) before it is killed and failed.</summary>
    public int DefaultTimeoutSeconds { get; set; } = 1800;
    /// <summary>Per scanner: another image (an air-gapped registry's copy) or another timeout.</summary>
    public Dictionary<string, ScannerSettings> Overrides { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Network mode of scanner containers: "host" reaches targets the silo's host reaches.</summary>
    public string NetworkMode { get; set; } = "host";
    /// <summary>How often a run's watchdog reminder looks for a run whose silo was lost.</summary>
    public int WatchdogSeconds { get; set; } = 60;
    /// <summary>How many times a run whose silo was lost (and whose container is out of reach) runs again before it fails.</summary>
    public int MaxReruns { get; set; } = 2;

    /// <summary>How often each silo looks for scanner containers whose run is over or unknown, and removes them.</summary>
    public int ReapSeconds { get; set; } = 300;

    public TimeSpan WatchdogPeriod => TimeSpan.FromSeconds(Math.Max(1, WatchdogSeconds));

    public TimeSpan TimeoutFor(string scanner) =>
        TimeSpan.FromSeconds(Overrides.TryGetValue(scanner, out var s) && s.TimeoutSeconds is > 0 ? s.TimeoutSeconds.Value : DefaultTimeoutSeconds);

    public string ImageFor(string scanner, string defaultImage) =>
        Overrides.TryGetValue(scanner, out var s) && !string.IsNullOrWhiteSpace(s.Image) ? s.Image : defaultImage;
}

public sealed class ScannerSettings
{
    public string? Image { get; set; }
    public int? TimeoutSeconds { get; set; }
}
