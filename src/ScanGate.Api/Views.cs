using System.Text.Json;
using ScanGate.Contracts;

namespace ScanGate.Api;

/// <summary>The JSON shapes of the native API (snake_case on the wire).</summary>
public sealed record ScanLinks(string Self, string Events, string Results);

public sealed record ScannerView(string Name, string Status, string Phase, int? Percent, string? Error, SeverityCountsView Counts);

public sealed record SeverityCountsView(int Critical, int High, int Medium, int Low, int Info)
{
    public static SeverityCountsView Of(SeverityCounts c) => new(c.Critical, c.High, c.Medium, c.Low, c.Info);
}

public sealed record ScanView(
    string Id, string ScanType, string Target, string ScanProfile, string Status,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    IReadOnlyList<ScannerView> Scanners, SeverityCountsView Counts, bool? GatePassed, string FailOnSeverity,
    string? Branch, JsonElement? PipelineContext, string? RescanOf, string? RescannedAs, ScanLinks Links)
{
    public static ScanView Of(ScanSnapshot s) => new(
        s.Id, s.Request.ScanType, s.Request.Target, s.Request.Profile, s.Status.Word(),
        s.CreatedAt, s.StartedAt, s.FinishedAt,
        s.Scanners.Select(r => new ScannerView(r.Name, r.Status.Word(), r.Phase.Word(), r.Percent, r.Error, SeverityCountsView.Of(r.Counts))).ToList(),
        SeverityCountsView.Of(s.Counts), s.GatePassed, s.Request.FailOnSeverity?.Word() ?? "none",
        s.Request.Branch, ParseContext(s.Request.PipelineContextJson), s.RescanOf, s.RescannedAs, LinksOf(s.Id));

    public static ScanLinks LinksOf(string id) =>
        new($"/api/v1/scans/{id}", $"/api/v1/scans/{id}/events", $"/api/v1/scans/{id}/results");

    private static JsonElement? ParseContext(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}

public sealed record ResultsView(
    string Id, string ScanType, string Target, string ScanProfile, string Status,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    IReadOnlyList<ScannerView> Scanners, SeverityCountsView Counts, bool? GatePassed, string FailOnSeverity,
    IReadOnlyList<string> Reasons, int FindingsCount, string? Branch, JsonElement? PipelineContext,
    string? RescanOf, string? RescannedAs, ScanLinks Links);

public sealed record CreatedScanView(string Id, string Status, ScanLinks Links);

public sealed record FindingView(
    string Id, string Fingerprint, string Scanner, string Category, string Severity, string Title,
    string? Description, string? RuleId, IReadOnlyList<string> Cves, double? Cvss, FindingLocation Location,
    string? Remediation, IReadOnlyList<string> References, DateTimeOffset DetectedAt)
{
    public static FindingView Of(Finding f) => new(f.Id, f.Fingerprint, f.Scanner, f.Category, f.Severity.Word(), f.Title,
        f.Description, f.RuleId, f.Cves, f.Cvss, f.Location, f.Remediation, f.References, f.DetectedAt);
}

public sealed record FindingPageView(IReadOnlyList<FindingView> Items, string? NextCursor, int Total);

public sealed record ProfileView(string Name, string Description);
public sealed record ScanTypeScannerView(string Name, string Description, bool Default, string Runs);
public sealed record ScanTypeView(string Name, string Description, string TargetKind, string DefaultProfile,
    IReadOnlyList<ProfileView> Profiles, IReadOnlyList<ScanTypeScannerView> Scanners);
