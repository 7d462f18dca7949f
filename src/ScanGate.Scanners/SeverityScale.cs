using ScanGate.Contracts;

namespace ScanGate.Scanners;

/// <summary>
/// One severity scale for every tool. The mapping is documented in docs/findings.md; change both together.
/// </summary>
public static class SeverityScale
{
    /// <summary>CVSS v3/v4 qualitative ratings: 9.0–10.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low,
    /// 0.0 info.</summary>
    public static Severity FromCvss(double score) => score switch
    {
        >= 9.0 => Severity.Critical,
        >= 7.0 => Severity.High,
        >= 4.0 => Severity.Medium,
        > 0.0 => Severity.Low,
        _ => Severity.Info,
    };

    /// <summary>A tool's own word for severity, case-insensitive. Words that mean "we do not know" (unknown,
    /// negligible, none, unspecified) map to info; SARIF levels error/warning/note map to high/medium/low.</summary>
    public static Severity FromWord(string? word) => word?.Trim().ToLowerInvariant() switch
    {
        "critical" or "crit" or "fatal" or "blocker" => Severity.Critical,
        "high" or "error" or "severe" or "major" => Severity.High,
        "medium" or "moderate" or "warning" or "warn" => Severity.Medium,
        "low" or "minor" or "note" => Severity.Low,
        _ => Severity.Info,
    };

    /// <summary>Image-policy levels (dockle's FATAL, WARN, INFO, SKIP, PASS), case-insensitive. A broken image policy
    /// is a weakness in how an image is built, not a known flaw to exploit, so it stops at high: FATAL high, WARN
    /// medium, INFO low; SKIP (not checked) and PASS info.</summary>
    public static Severity FromPolicyLevel(string? level) => level?.Trim().ToLowerInvariant() switch
    {
        "fatal" => Severity.High,
        "warn" or "warning" => Severity.Medium,
        "info" => Severity.Low,
        _ => Severity.Info,
    };
}
